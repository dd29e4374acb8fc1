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
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	acx := new(big.Rat).Sub(r(ax), r(cx))
	bcy := new(big.Rat).Sub(r(by), r(cy))
	acy := new(big.Rat).Sub(r(ay), r(cy))
	bcx := new(big.Rat).Sub(r(bx), r(cx))
	l := new(big.Rat).Mul(acx, bcy)
	rr := new(big.Rat).Mul(acy, bcx)
	return float64(l.Cmp(rr))
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
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	sub := func(a, b float64) *big.Rat { return new(big.Rat).Sub(r(a), r(b)) }
	mul := func(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }
	add := func(a, b *big.Rat) *big.Rat { return new(big.Rat).Add(a, b) }
	adx, ady := sub(ax, dx), sub(ay, dy)
	bdx, bdy := sub(bx, dx), sub(by, dy)
	cdx, cdy := sub(cx, dx), sub(cy, dy)
	alift := add(mul(adx, adx), mul(ady, ady))
	blift := add(mul(bdx, bdx), mul(bdy, bdy))
	clift := add(mul(cdx, cdx), mul(cdy, cdy))
	t1 := mul(alift, new(big.Rat).Sub(mul(bdx, cdy), mul(cdx, bdy)))
	t2 := mul(blift, new(big.Rat).Sub(mul(cdx, ady), mul(adx, cdy)))
	t3 := mul(clift, new(big.Rat).Sub(mul(adx, bdy), mul(bdx, ady)))
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
