package allocation

import (
	"strings"
	"testing"
)

// TestReadPolicyArrayLengths: a per-stage value must give both stages; a
// short or long array is refused with its field path instead of being
// padded with zeros.
func TestReadPolicyArrayLengths(t *testing.T) {
	for _, tc := range []struct {
		json, err string // err "" for accepted
	}{
		{`{"near_zone_target": [1, 0.95]}`, ""},
		{`{"near_zone_target": [0.9]}`, "near_zone_target: 1 values, want 2 (primary, junior)"},
		{`{"near_zone_target": [0.9, 0.9, 0.9]}`, "near_zone_target: 3 values, want 2 (primary, junior)"},
		{`{"solver": {"candidates": 12}}`, ""},
		{`{"provision": {"junior_per_population": 15000}}`, ""},
	} {
		_, err := ReadPolicy(strings.NewReader(tc.json))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.json, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want %q", tc.json, err, tc.err)
		}
	}
}
