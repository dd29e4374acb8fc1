package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"catchment/api"
	"catchment/data"
)

// TestEditModeInChromium is issue 8's acceptance 1 on the map page: in
// edit mode it clicks a unit, moves it to a neighbouring zone and sees the
// indicators change, undoes the move and sees them come back, pins a unit
// into a neighbouring zone, runs "complete the plan", and checks through
// the API that the pinned unit kept its school.
func TestEditModeInChromium(t *testing.T) {
	ctx := browser(t)
	s := newStack(t, nil)
	city := demoCity(t, 20000)
	s.importAndSolve(t, "demo", city)
	h := editHelper{s: s, name: "demo"}
	rev0 := h.state(t).Revision

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		must("read "+sel, err)
		return v
	}
	attr := func(sel, name string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
		must("read "+sel+"@"+name, err)
		return v.Value
	}
	value := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
		must("value of "+sel, err)
		return v
	}
	// atRevision waits until the page shows revision rev, idle.
	atRevision := func(rev int) chromedp.Action[chromedp.Void] {
		return chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`body[data-edit-revision="%d"]:not([data-edit-busy])`, rev)))
	}
	// pick clicks a unit with primary pupils (the i-th such unit, counted
	// from the middle of the city) and waits for the selection.
	pick := func(i int) string {
		t.Helper()
		var u *data.Unit
		for j := len(city.Dataset.Units) / 2; j < len(city.Dataset.Units); j++ {
			if city.Dataset.Units[j].Pupils[data.Primary] > 0 {
				if i == 0 {
					u = &city.Dataset.Units[j]
					break
				}
				i--
			}
		}
		if u == nil {
			t.Fatal("no unit to pick")
		}
		pt, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`CatchmentApp.screenPoint(%v, %v)`, u.Loc[0], u.Loc[1])))
		must("unit screen point", err)
		// Forget the previous selection, so the wait below sees the new one.
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){const b=document.getElementById("edit-selection");b.removeAttribute("data-unit");document.getElementById("edit-target").innerHTML="";return true;})()`))
		must("clear the selection", err)
		must("click the unit", chromedp.Do(ctx,
			chromedp.MouseClickXY(pt[0], pt[1]),
			chromedp.WaitReady(chromedp.CSS(`#edit-selection[data-unit]`)),
			chromedp.WaitReady(chromedp.CSS(`#edit-target option`)),
		))
		return attr("#edit-selection", "data-unit")
	}

	must("open the map page in edit mode", chromedp.Do(ctx,
		chromedp.Navigate(s.ts.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-zones]`)),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS(`#token-form button`)),
		chromedp.WaitVisible(chromedp.ID("edit-mode")),
		chromedp.Click(chromedp.ID("edit-mode")),
		atRevision(rev0),
		chromedp.WaitReady(chromedp.CSS(`body[data-edit-zones]`)),
		chromedp.WaitReady(chromedp.CSS(`#edit-indicators tbody tr`)),
	))
	before := text("#edit-indicators tbody")

	// Move a unit between two zones: the indicators change.
	unit := pick(0)
	from := attr("#edit-selection", "data-school")
	to := value("#edit-target")
	if unit == "" || from == "" || to == "" || from == to {
		t.Fatalf("selection: unit %q from %q to %q", unit, from, to)
	}
	must("move", chromedp.Do(ctx, chromedp.Click(chromedp.ID("edit-move")), atRevision(rev0+1)))
	moved := text("#edit-indicators tbody")
	if moved == before {
		t.Errorf("the indicators did not change after moving %s from %s to %s:\n%s", unit, from, to, moved)
	}
	if got := h.zonesAt(t, rev0+1)["primary/"+unit]; got != to {
		t.Fatalf("after the move on the page %s is zoned to %s, want %s", unit, got, to)
	}
	t.Logf("moved %s: %s → %s; message %q", unit, from, to, text("#edit-msg"))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	screenshot(t, "edit-move.png", png)

	// Undo: the indicators come back.
	must("undo", chromedp.Do(ctx, chromedp.Click(chromedp.ID("edit-undo")), atRevision(rev0+2)))
	if undone := text("#edit-indicators tbody"); undone != before {
		t.Errorf("undo did not restore the indicators:\n%s\nwant\n%s", undone, before)
	}
	if got := h.zonesAt(t, rev0+2)["primary/"+unit]; got != from {
		t.Errorf("after undo %s is zoned to %s, want %s", unit, got, from)
	}

	// Pin a unit into a neighbouring zone, then complete the plan.
	pinned := pick(40)
	pinTo := value("#edit-target")
	must("pin", chromedp.Do(ctx, chromedp.Click(chromedp.ID("edit-pin")), atRevision(rev0+3),
		chromedp.WaitReady(chromedp.CSS(`body[data-edit-pins="1"]`))))
	must("complete the plan", chromedp.Do(ctx, chromedp.Click(chromedp.ID("edit-complete")), atRevision(rev0+4)))
	msg := text("#edit-msg")
	if !strings.Contains(msg, "complete") {
		t.Errorf("message after completing: %q", msg)
	}
	t.Logf("pinned %s to %s; %s", pinned, pinTo, msg)

	// The history lists the revisions; compare the first with the head.
	must("compare with the first revision", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#edit-history li[data-revision="%d"] button:nth-of-type(2)`, rev0))),
		chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`#edit-compare[data-from="%d"]`, rev0))),
	))
	if c := text("#edit-compare"); !strings.Contains(c, fmt.Sprintf("Revision %d → head", rev0)) || !strings.Contains(c, "pupils change school") {
		t.Errorf("comparison: %q", c)
	} else {
		t.Logf("comparison: %s", c)
	}

	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){document.getElementById("edit-section").scrollIntoView();return true;})()`))
	must("scroll to the edit panel", err)
	must("settle", chromedp.Do(ctx, chromedp.Sleep(300*time.Millisecond)))
	png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	screenshot(t, "edit-complete.png", png)

	// Via the API: the pinned unit kept its school through the re-solve.
	st := h.state(t)
	if st.Revision != rev0+4 || st.Pins["primary"][pinned] != pinTo {
		t.Fatalf("after completing: revision %d (want %d), pins %v (want %s → %s)", st.Revision, rev0+4, st.Pins, pinned, pinTo)
	}
	if got := h.zonesAt(t, st.Revision)["primary/"+pinned]; got != pinTo {
		t.Errorf("complete the plan moved the pinned %s to %s, want %s", pinned, got, pinTo)
	}

	// Another planner edits behind the page's back: the page's next edit
	// is refused as stale, and the page reloads the newest revision.
	h.edit(t, api.EditRequest{BaseRevision: st.Revision, Op: "unpin", Stage: "primary", Units: []string{pinned}})
	must("stale undo", chromedp.Do(ctx, chromedp.Click(chromedp.ID("edit-undo")), atRevision(rev0+5),
		chromedp.WaitReady(chromedp.CSS(`body[data-edit-pins="0"]`))))
	if m := text("#edit-msg"); !strings.Contains(m, "reload") {
		t.Errorf("message after a stale edit: %q", m)
	}
	if got := h.state(t).Revision; got != rev0+5 {
		t.Errorf("the stale undo was applied: head is revision %d, want %d", got, rev0+5)
	}
}
