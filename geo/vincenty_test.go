package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// refVincenty is the reference for accuracy tests: Vincenty's inverse formula
// (1975) on WGS-84, iterated to 1e-13 rad. ok is false when it does not
// converge (nearly antipodal points).
func refVincenty(a, b orb.Point) (meters float64, ok bool) {
	const bAxis = wgsA * (1 - wgsF)
	L := (b[0] - a[0]) * deg
	U1 := math.Atan((1 - wgsF) * math.Tan(a[1]*deg))
	U2 := math.Atan((1 - wgsF) * math.Tan(b[1]*deg))
	sU1, cU1 := math.Sincos(U1)
	sU2, cU2 := math.Sincos(U2)
	lam := L
	var sSig, cSig, sig, cos2A, cos2SM float64
	for i := 0; ; i++ {
		if i == 200 {
			return 0, false
		}
		sLam, cLam := math.Sincos(lam)
		t1 := cU2 * sLam
		t2 := cU1*sU2 - sU1*cU2*cLam
		sSig = math.Sqrt(t1*t1 + t2*t2)
		if sSig == 0 {
			return 0, true
		}
		cSig = sU1*sU2 + cU1*cU2*cLam
		sig = math.Atan2(sSig, cSig)
		sA := cU1 * cU2 * sLam / sSig
		cos2A = 1 - sA*sA
		cos2SM = 0
		if cos2A != 0 {
			cos2SM = cSig - 2*sU1*sU2/cos2A
		}
		C := wgsF / 16 * cos2A * (4 + wgsF*(4-3*cos2A))
		prev := lam
		lam = L + (1-C)*wgsF*sA*(sig+C*sSig*(cos2SM+C*cSig*(-1+2*cos2SM*cos2SM)))
		if math.Abs(lam-prev) < 1e-13 {
			break
		}
	}
	u2 := cos2A * (wgsA*wgsA - bAxis*bAxis) / (bAxis * bAxis)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	dSig := B * sSig * (cos2SM + B/4*(cSig*(-1+2*cos2SM*cos2SM)-B/6*cos2SM*(-3+4*sSig*sSig)*(-3+4*cos2SM*cos2SM)))
	return bAxis * A * (sig - dSig), true
}
