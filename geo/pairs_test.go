package geo

import (
	"fmt"
	"testing"
)

func TestBarrierKindNames(t *testing.T) {
	for _, tc := range []struct {
		k    BarrierKind
		name string
		str  string
	}{
		{0, "", "none"},
		{BarrierWater, "water", "water"},
		{BarrierRailway, "railway", "railway"},
		{BarrierMotorway, "motorway", "motorway"},
		{BarrierWater | BarrierMotorway, "", "water|motorway"},
		{AllBarrierKinds, "", "water|railway|motorway"},
		{0x80, "", "none"},
	} {
		if got := tc.k.Name(); got != tc.name {
			t.Errorf("%#x.Name() = %q, want %q", uint8(tc.k), got, tc.name)
		}
		if got := tc.k.String(); got != tc.str {
			t.Errorf("%#x.String() = %q, want %q", uint8(tc.k), got, tc.str)
		}
	}
}

func ExampleBarrierKind_Names() {
	crossed := BarrierWater | BarrierMotorway // OR-ed over a path's barrier crossings
	fmt.Println(crossed.Names(), crossed)
	for _, k := range BarrierKinds {
		fmt.Println(k.Name(), crossed&k != 0)
	}
	// Output:
	// [water motorway] water|motorway
	// water true
	// railway false
	// motorway true
}
