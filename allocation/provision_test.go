package allocation

import (
	"strings"
	"testing"
)

func TestProvisionRules(t *testing.T) {
	def := DefaultProvisionRules()
	if err := def.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if p := DefaultPolicy(); p.Provision != def {
		t.Fatal("DefaultPolicy does not carry the provision defaults")
	}
	tests := []struct {
		name string
		edit func(r *ProvisionRules)
	}{
		{"min above max", func(r *ProvisionRules) { r.SmallCommunityMin = 20000 }},
		{"zero per population", func(r *ProvisionRules) { r.JuniorPerPopulation = 0 }},
		{"inverted classes", func(r *ProvisionRules) { r.PrimaryClasses = [2]int{24, 18} }},
		{"ratio above one", func(r *ProvisionRules) { r.ChildrenPerResident[0] = 2 }},
		{"junior classes", func(r *ProvisionRules) { r.JuniorMinClasses = 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := DefaultProvisionRules()
			tc.edit(&r)
			if r.Validate() == nil {
				t.Fatal("accepted")
			}
		})
	}
	// A county overrides one threshold in its policy file; the rest keep
	// their defaults.
	p, err := ReadPolicy(strings.NewReader(`{"provision": {"junior_per_population": 15000}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Provision.JuniorPerPopulation != 15000 || p.Provision.PrimaryPerPopulation != 10000 {
		t.Fatalf("provision %+v", p.Provision)
	}
}
