package cells

import (
	"math"
	"math/big"
	"math/bits"
)

// Robust geometric predicates.
//
// The float predicates (orient, incircle) work on float64 metres, as used by
// the Delaunay triangulation: a fast path with a static error bound in the
// style of Shewchuk's adaptive predicates, and an exact fallback with
// math/big rationals when the fast result is too close to zero to trust.
//
// The integer predicate (orientI) works on snapped grid coordinates: a float
// fast path and an exact 128-bit fallback.

const epsilon = 1.0 / (1 << 53)

var (
	ccwErrBound = (3 + 16*epsilon) * epsilon
	iccErrBound = (10 + 96*epsilon) * epsilon
)

// orient returns a positive value when c lies to the left of the directed line
// a→b (a, b, c counter-clockwise), negative when to the right, and zero when the
// three points are collinear. The sign is exact.
func orient(ax, ay, bx, by, cx, cy float64) float64 {
	detl := (ax - cx) * (by - cy)
	detr := (ay - cy) * (bx - cx)
	det := detl - detr
	if math.Abs(det) >= ccwErrBound*(math.Abs(detl)+math.Abs(detr)) {
		return det
	}
	return orientExact(ax, ay, bx, by, cx, cy)
}

func orientExact(ax, ay, bx, by, cx, cy float64) float64 {
	v := exactInts(ax, ay, bx, by, cx, cy)
	sub := func(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }
	l := new(big.Int).Mul(sub(v[0], v[4]), sub(v[3], v[5]))
	r := new(big.Int).Mul(sub(v[1], v[5]), sub(v[2], v[4]))
	return float64(l.Cmp(r))
}

// exactInts scales float64 values by one common power of two so that all
// become integers, exactly, for the exact predicate fallbacks.
func exactInts(fs ...float64) []*big.Int {
	minExp := math.MaxInt
	for _, f := range fs {
		if f == 0 {
			continue
		}
		_, e := math.Frexp(f)
		minExp = min(minExp, e-53)
	}
	out := make([]*big.Int, len(fs))
	for i, f := range fs {
		if f == 0 {
			out[i] = new(big.Int)
			continue
		}
		m, e := math.Frexp(f)
		mi := new(big.Int).SetInt64(int64(m * (1 << 53)))
		out[i] = mi.Lsh(mi, uint(e-53-minExp))
	}
	return out
}

// incircle returns a positive value when d lies strictly inside the circle
// through a, b, c (given counter-clockwise), negative when outside, zero when
// the four points are co-circular. The sign is exact.
func incircle(ax, ay, bx, by, cx, cy, dx, dy float64) float64 {
	adx, ady := ax-dx, ay-dy
	bdx, bdy := bx-dx, by-dy
	cdx, cdy := cx-dx, cy-dy
	bdxcdy, cdxbdy := bdx*cdy, cdx*bdy
	alift := adx*adx + ady*ady
	cdxady, adxcdy := cdx*ady, adx*cdy
	blift := bdx*bdx + bdy*bdy
	adxbdy, bdxady := adx*bdy, bdx*ady
	clift := cdx*cdx + cdy*cdy
	det := alift*(bdxcdy-cdxbdy) + blift*(cdxady-adxcdy) + clift*(adxbdy-bdxady)
	perm := (math.Abs(bdxcdy)+math.Abs(cdxbdy))*alift +
		(math.Abs(cdxady)+math.Abs(adxcdy))*blift +
		(math.Abs(adxbdy)+math.Abs(bdxady))*clift
	if math.Abs(det) > iccErrBound*perm {
		return det
	}
	return incircleExact(ax, ay, bx, by, cx, cy, dx, dy)
}

func incircleExact(ax, ay, bx, by, cx, cy, dx, dy float64) float64 {
	v := exactInts(ax, ay, bx, by, cx, cy, dx, dy)
	sub := func(a, b *big.Int) *big.Int { return new(big.Int).Sub(a, b) }
	mul := func(a, b *big.Int) *big.Int { return new(big.Int).Mul(a, b) }
	add := func(a, b *big.Int) *big.Int { return new(big.Int).Add(a, b) }
	adx, ady := sub(v[0], v[6]), sub(v[1], v[7])
	bdx, bdy := sub(v[2], v[6]), sub(v[3], v[7])
	cdx, cdy := sub(v[4], v[6]), sub(v[5], v[7])
	alift := add(mul(adx, adx), mul(ady, ady))
	blift := add(mul(bdx, bdx), mul(bdy, bdy))
	clift := add(mul(cdx, cdx), mul(cdy, cdy))
	t1 := mul(alift, sub(mul(bdx, cdy), mul(cdx, bdy)))
	t2 := mul(blift, sub(mul(cdx, ady), mul(adx, cdy)))
	t3 := mul(clift, sub(mul(adx, bdy), mul(bdx, ady)))
	return float64(add(add(t1, t2), t3).Sign())
}

// mul128 returns the signed 128-bit product a·b as (hi, lo).
func mul128(a, b int64) (int64, uint64) {
	neg := (a < 0) != (b < 0)
	ua, ub := uint64(a), uint64(b)
	if a < 0 {
		ua = uint64(-a)
	}
	if b < 0 {
		ub = uint64(-b)
	}
	hi, lo := bits.Mul64(ua, ub)
	if neg {
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	return int64(hi), lo
}

// cmp128 compares two signed 128-bit integers.
func cmp128(ah int64, al uint64, bh int64, bl uint64) int {
	switch {
	case ah < bh:
		return -1
	case ah > bh:
		return 1
	case al < bl:
		return -1
	case al > bl:
		return 1
	}
	return 0
}

// cmpProd returns the sign of a·b − c·d, exactly.
func cmpProd(a, b, c, d int64) int {
	l := float64(a) * float64(b)
	r := float64(c) * float64(d)
	det := l - r
	if math.Abs(det) > 4*epsilon*(math.Abs(l)+math.Abs(r)) {
		if det > 0 {
			return 1
		}
		return -1
	}
	lh, ll := mul128(a, b)
	rh, rl := mul128(c, d)
	return cmp128(lh, ll, rh, rl)
}

// orientI returns the exact sign of the orientation of grid points a, b, c:
// +1 counter-clockwise, −1 clockwise, 0 collinear. Coordinates must lie within
// ±2^61 so that differences do not overflow.
func orientI(ax, ay, bx, by, cx, cy int64) int {
	return cmpProd(bx-ax, cy-ay, by-ay, cx-ax)
}

// add128 adds two signed 128-bit integers.
func add128(ah int64, al uint64, bh int64, bl uint64) (int64, uint64) {
	lo, carry := bits.Add64(al, bl, 0)
	hi, _ := bits.Add64(uint64(ah), uint64(bh), carry)
	return int64(hi), lo
}
