package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromium = "/usr/bin/chromium"

// browser starts a headless Debian Chromium with a fresh profile, or skips.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("headless browser test needs %s (apt-get install chromium): %v", chromium, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Skipf("cannot start %s: %v", chromium, err)
	}
	return ctx
}

// screenshot saves a PNG in the test's temp dir, and also in
// $CATCHMENT_E2E_SHOTS when set (to look at it).
func screenshot(t *testing.T, name string, png []byte) {
	t.Helper()
	dirs := []string{t.TempDir()}
	if d := os.Getenv("CATCHMENT_E2E_SHOTS"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot %s (%d bytes)", p, len(png))
	}
	if len(png) < 10_000 {
		t.Errorf("screenshot %s is suspiciously small: %d bytes", name, len(png))
	}
}

// TestMapPageInChromium opens the planner map, waits for the zones, clicks
// a point inside the city, reads the look-up popup and saves a screenshot;
// then does a compound-name search on the parent page.
func TestMapPageInChromium(t *testing.T) {
	ctx := browser(t)
	s := newStack(t, nil)
	city := demoCity(t, 20000)
	s.importAndSolve(t, "demo", city)

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("open the map page", chromedp.Do(ctx,
		chromedp.Navigate(s.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-zones]`)),
	))
	zones, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`body`), "data-zones"))
	must("read zones", err)
	if zones.Value == "" || zones.Value == "0" {
		t.Fatalf("zones drawn: %q", zones.Value)
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
	must("read status", err)
	t.Logf("status: %s", status)
	// The zones are fitted to the map, so its centre lies in the city.
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(function(){const r=document.getElementById("map").getBoundingClientRect();return [r.left,r.top,r.width,r.height];})()`))
	must("map box", err)
	x, y := box[0]+box[2]/2, box[1]+box[3]/2
	must("click the map", chromedp.Do(ctx,
		chromedp.MouseClickXY(x, y),
		chromedp.WaitVisible(chromedp.CSS(`.leaflet-popup-content .answer`)),
		chromedp.Sleep(400*time.Millisecond), // let the popup fade in before the screenshot
	))
	popup, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.leaflet-popup-content`)))
	must("read popup", err)
	t.Logf("popup: %s", popup)
	if !strings.Contains(popup, "Primary") || !strings.Contains(popup, "Junior") {
		t.Errorf("popup lacks both stages: %q", popup)
	}
	if !strings.Contains(popup, "小学") {
		t.Errorf("popup names no primary school: %q", popup)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	screenshot(t, "map.png", png)

	// Planner panel: with the token, today's zoning vs the plan appears and
	// the changed units can be highlighted.
	must("planner token", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS(`#token-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#comparison tbody tr`)),
		chromedp.WaitVisible(chromedp.CSS(`#scenarios li`)),
	))
	cmpText, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("comparison")))
	must("read comparison", err)
	t.Logf("comparison: %s", cmpText)
	if !strings.Contains(cmpText, "Primary") || !strings.Contains(cmpText, "Junior") {
		t.Errorf("comparison table lacks the stages: %q", cmpText)
	}
	must("highlight changes", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("show-changes")),
		chromedp.Sleep(300*time.Millisecond),
	))
	png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	screenshot(t, "planner.png", png)

	// Parent page: search a compound by name, pick it, read the answer.
	name := city.Dataset.Units[len(city.Dataset.Units)/3].Name
	must("parent page", chromedp.Do(ctx,
		chromedp.Navigate(s.ts.URL+"/parent"),
		chromedp.WaitVisible(chromedp.ID("q")),
		chromedp.SendKeys(chromedp.ID("q"), name),
		chromedp.Click(chromedp.CSS(`#search-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#hits button`)),
		chromedp.Click(chromedp.CSS(`#hits button`)),
		chromedp.WaitVisible(chromedp.CSS(`#answer .answer`)),
		chromedp.Sleep(500*time.Millisecond), // the zone outline is drawn after the answer
	))
	answer, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("answer")))
	must("read answer", err)
	t.Logf("parent answer: %s", answer)
	if !strings.Contains(answer, name) {
		t.Errorf("answer does not name the compound %q: %q", name, answer)
	}
	png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	screenshot(t, "parent.png", png)
}
