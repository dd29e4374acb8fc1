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

// FuzzReadPolicy: any input is either refused with an error or gives a
// valid policy that survives a round trip through MarshalIndent.
func FuzzReadPolicy(f *testing.F) {
	for _, s := range []string{`{}`, `{"near_zone_target": [1, 0.95]}`, `{"near_zone_target": [0.9]}`,
		`{"solver": {"candidates": 12, "contiguity": false}}`, `{"class_size": [45, 50], "provision": {"junior_per_population": 15000}}`,
		`{"priority_tiers": [{"name": "a"}]}`, `[1, 2]`, `{"near_zone_target": "x"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ReadPolicy(strings.NewReader(s))
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid policy: %v", err)
		}
		b, err := p.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ReadPolicy(strings.NewReader(string(b)))
		if err != nil {
			t.Fatalf("round trip refused: %v\n%s", err, b)
		}
		b2, _ := q.MarshalIndent()
		if string(b) != string(b2) {
			t.Fatalf("round trip changed the policy:\n%s\n%s", b, b2)
		}
	})
}
