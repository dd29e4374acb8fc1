package whatif

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"catchment/allocation"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGoldenOutputs(t *testing.T) {
	parent := city()
	a := solve(t, parent)
	child := Clone(parent)
	if _, err := CloseSchool(child, "A", true); err != nil {
		t.Fatal(err)
	}
	b := solve(t, child)
	c, err := Compare("base", "closed", a, b)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.WriteChangesCSV(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "changes.csv", buf.Bytes())
	buf.Reset()
	if err := c.WriteSchoolsCSV(&buf); err != nil {
		t.Fatal(err)
	}
	golden(t, "schools.csv", buf.Bytes())

	ps, err := CheckProvision(parent, []Community{
		{ID: "old-town", Name: "老城", Loc: orb.Point{900, 900}, Population: 7000},
		{ID: "new-district", Name: "新区", Loc: orb.Point{4000, 4000}, Population: 32000},
		{ID: "hamlet", Loc: orb.Point{100, 100}, Population: 900},
	}, allocation.DefaultPolicy(), nil)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := WriteProvisionCSV(&buf, ps); err != nil {
		t.Fatal(err)
	}
	golden(t, "provision.csv", buf.Bytes())
}
