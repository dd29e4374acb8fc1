package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"

	"catchment/allocation"
	"catchment/api"
)

// Example serves a plan and answers a parent look-up over HTTP.
func Example() {
	eng := newFakeEngine() // any api.Engine; package api/engine is the real one
	srv, err := api.New(api.Config{Engine: eng, Token: "a-secret-planner-token"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	snap, _ := eng.Solve(context.Background(), "demo", allocation.DefaultPolicy(), nil)
	if err := srv.Publish(snap); err != nil {
		fmt.Println(err)
		return
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/api/v1/lookup?lon=117.005&lat=35.005")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	fmt.Println(string(body)[:68])
	// Output:
	// 200 application/json
	// {"plan_id":1,"inside":true,"unit_id":"U1","unit_name":"阳光小区"
}
