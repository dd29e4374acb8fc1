package data_test

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"catchment/data"
)

func ExampleReadSchools() {
	const schoolsCSV = `id,name,lon,lat,primary_seats,junior_seats,ownership
S1,Riverside Primary,116.3974,39.9092,450,,public
S2,East Nine-year School,116.4102,39.9150,300,400,
`
	schools, err := data.ReadSchools(strings.NewReader(schoolsCSV), "schools.csv", data.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range schools {
		fmt.Printf("%s %q primary=%d junior=%d nine-year=%v\n", s.ID, s.Name, s.Seats[data.Primary], s.Seats[data.Junior], s.NineYear())
	}
	// Output:
	// S1 "Riverside Primary" primary=450 junior=0 nine-year=false
	// S2 "East Nine-year School" primary=300 junior=400 nine-year=true
}

// Every problem of a file is reported at once, each with its line and column.
func ExampleErrorList() {
	const schoolsCSV = `id,lon,lat,primary_seats
S1,116.39,39.90,abc
S2,200,39.90,450
S1,116.40,39.91,-5
`
	_, err := data.ReadSchools(strings.NewReader(schoolsCSV), "schools.csv", data.ReadOptions{})
	fmt.Println(err)
	var list data.ErrorList
	if errors.As(err, &list) {
		fmt.Println(len(list), "problems; first at line", list[0].Line, "column", list[0].Column)
	}
	fmt.Println("has a duplicate id:", errors.Is(err, data.ErrDuplicateID))
	// Output:
	// schools.csv:2: column primary_seats: invalid number "abc"
	// schools.csv:3: column lon: longitude 200 outside [-180, 180]
	// schools.csv:4: column id: duplicate id "S1" (first on line 2)
	// schools.csv:4: column primary_seats: negative value -5
	// 4 problems; first at line 2 column primary_seats
	// has a duplicate id: true
}

func ExampleReadHouseholds() {
	const householdsCSV = `lon,lat,primary,junior,migrant,unit_id
116.3901,39.9012,1,0,false,U1
116.3902,39.9013,1,1,true,U1
116.3950,39.9050,0,1,false,U2
`
	pupils := map[string]int{}
	err := data.ReadHouseholds(strings.NewReader(householdsCSV), "households.csv", data.ReadOptions{},
		func(h data.Household) error {
			pupils[h.UnitID] += h.Primary + h.Junior
			return nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(pupils["U1"], pupils["U2"])
	// Output:
	// 3 1
}

func ExampleWriteUnitsGeoJSON() {
	units := []data.Unit{{ID: "U1", Name: "Garden compound", Pupils: [data.NumStages]int{40, 12}}}
	units[0].Loc[0], units[0].Loc[1] = 116.397412345, 39.909234567
	if err := data.WriteUnitsGeoJSON(os.Stdout, units, false); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"type":"FeatureCollection","features":[
	// {"type":"Feature","id":"U1","geometry":{"type":"Point","coordinates":[116.3974123,39.9092346]},"properties":{"id":"U1","name":"Garden compound","area":"urban","primary_pupils":40,"junior_pupils":12,"primary_migrants":0,"junior_migrants":0}}
	// ]}
}

func ExampleNewHouseholdWriter() {
	hw := data.NewHouseholdWriter(os.Stdout, false)
	for i := range 2 {
		h := data.Household{Primary: 1, UnitID: "U1"}
		h.Loc[0], h.Loc[1] = 116.39+float64(i)/1000, 39.9
		if err := hw.Write(h); err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := hw.Flush(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// lon,lat,primary,junior,migrant,unit_id
	// 116.39,39.9,1,0,false,U1
	// 116.391,39.9,1,0,false,U1
}
