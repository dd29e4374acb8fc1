package demo_test

import (
	"fmt"
	"log"

	"catchment/data"
	"catchment/data/demo"
)

// A small demo city: count what it holds and where its pupils live.
func ExampleGenerate() {
	city, err := demo.Generate(demo.Config{Pupils: 20_000, Seed: 1, NoStreets: true})
	if err != nil {
		log.Fatal(err)
	}
	d := &city.Dataset
	var pupils [3]int
	for _, u := range d.Units {
		pupils[u.Area] += u.Pupils[data.Primary] + u.Pupils[data.Junior]
	}
	fmt.Println("schools:", len(d.Schools))
	fmt.Println("candidate sites:", len(d.Candidates))
	fmt.Println("pupils urban/town/rural:", pupils[data.Urban], pupils[data.Town], pupils[data.Rural])
	fmt.Println("valid:", d.Validate() == nil)
	// Output:
	// schools: 20
	// candidate sites: 40
	// pupils urban/town/rural: 10000 6000 4000
	// valid: true
}

// Writing a city gives the FORMATS.md files.
func ExampleCity_WriteDir() {
	city, err := demo.Generate(demo.Config{Pupils: 5_000, Seed: 2})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := makeTemp()
	if err != nil {
		log.Fatal(err)
	}
	defer removeAll(dir)
	if err := city.WriteDir(dir); err != nil {
		log.Fatal(err)
	}
	schools, err := data.ReadSchoolsFile(dir+"/"+demo.SchoolsFile, data.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(schools) == len(city.Dataset.Schools))
	// Output: true
}

// The street network comes as OSM-shaped nodes and ways; WriteOSM streams
// it as streets.osm.
func ExampleStreets() {
	city, err := demo.Generate(demo.Config{Pupils: 5_000, Seed: 2})
	if err != nil {
		log.Fatal(err)
	}
	s := city.Streets
	var walkable, bridges int
	for i, w := range s.Ways {
		if w.Kind.Walkable() {
			walkable++
		}
		if w.Bridge && len(s.WayNodes(i)) >= 2 {
			bridges++
		}
	}
	fmt.Println(len(s.Nodes) > city.Config.Pupils, walkable > 0, bridges > 0)
	// Output: true true true
}
