package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"catchment/allocation/edit"
	"catchment/api"
)

// editorEngine is the fake engine with an Editor whose sessions fail with
// err, to check how the edit routes map the edit package's errors.
type editorEngine struct {
	*fakeEngine
	err error
}

func (e *editorEngine) EditSession(ctx context.Context, scenario string) (*edit.Session, error) {
	return nil, e.err
}

// TestEditRoutesErrors checks the edit routes' status codes and error
// bodies: 401 without the token, 400 for a bad name or body, 501 when the
// engine cannot edit, and the edit errors' mapping (409 stale_revision
// with both revisions, 409 for pins and locks, 404, 422, 500).
func TestEditRoutesErrors(t *testing.T) {
	stale := fmt.Errorf("edit: move: %w", &edit.StaleError{Base: 3, Head: 5})
	routes := []struct{ method, path, body string }{
		{"GET", "/api/v1/scenarios/demo/edit", ""},
		{"GET", "/api/v1/scenarios/demo/revisions", ""},
		{"GET", "/api/v1/scenarios/demo/revisions/2/export", ""},
		{"GET", "/api/v1/scenarios/demo/compare?from=1&to=2", ""},
		{"POST", "/api/v1/scenarios/demo/edit/preview", `{"stage":"primary","units":["U1"],"school":"S1"}`},
		{"POST", "/api/v1/scenarios/demo/edits", `{"base_revision":3,"op":"move","stage":"primary","units":["U1"],"school":"S1"}`},
		{"POST", "/api/v1/scenarios/demo/edit/complete", `{"base_revision":3}`},
	}
	for _, tc := range []struct {
		name   string
		err    error // nil: an engine without Editor
		status int
		code   string
	}{
		{"no editor", nil, 501, api.CodeNotImplemented},
		{"stale", stale, 409, api.CodeStale},
		{"locked", fmt.Errorf("x: %w", edit.ErrLocked), 409, api.CodeConflict},
		{"pinned", fmt.Errorf("x: %w", edit.ErrPinned), 409, api.CodeConflict},
		{"edit not found", fmt.Errorf("x: %w", edit.ErrNotFound), 404, api.CodeNotFound},
		{"scenario not found", fmt.Errorf("x: %w", api.ErrNotFound), 404, api.CodeNotFound},
		{"invalid", fmt.Errorf("x: %w", edit.ErrInvalid), 422, api.CodeUnprocessable},
		{"nothing", fmt.Errorf("x: %w", edit.ErrNothing), 422, api.CodeUnprocessable},
		{"internal", errors.New("disk on fire"), 500, api.CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mod func(*api.Config)
			if tc.err != nil {
				mod = func(c *api.Config) { c.Engine = &editorEngine{fakeEngine: c.Engine.(*fakeEngine), err: tc.err} }
			}
			h := newHarness(t, mod)
			for _, rt := range routes {
				r := h.do(t, rt.method, rt.path, testToken, strings.NewReader(rt.body), "application/json")
				var body struct{ Error api.Error }
				if err := json.Unmarshal(r.body, &body); err != nil || r.status != tc.status || body.Error.Code != tc.code {
					t.Errorf("%s %s: %d %s, want %d %s", rt.method, rt.path, r.status, r.body, tc.status, tc.code)
					continue
				}
				if tc.code == api.CodeStale && (body.Error.Base == nil || *body.Error.Base != 3 || body.Error.Head == nil || *body.Error.Head != 5) {
					t.Errorf("%s %s: stale error without base 3 and head 5: %s", rt.method, rt.path, r.body)
				}
				if tc.code == api.CodeInternal && strings.Contains(string(r.body), "fire") {
					t.Errorf("%s %s leaks the internal error: %s", rt.method, rt.path, r.body)
				}
				if r := h.do(t, rt.method, rt.path, "", strings.NewReader(rt.body), "application/json"); r.status != http.StatusUnauthorized {
					t.Errorf("%s %s without the token: %d", rt.method, rt.path, r.status)
				}
			}
		})
	}
	h := newHarness(t, nil)
	for _, tc := range []struct{ name, method, path, body string }{
		{"bad name", "GET", "/api/v1/scenarios/a%20b/edit", ""},
		{"not JSON", "POST", "/api/v1/scenarios/demo/edits", `move it`},
		{"unknown field", "POST", "/api/v1/scenarios/demo/edits", `{"op":"move","where":"north"}`},
		{"bad from", "GET", "/api/v1/scenarios/demo/compare?from=-1", ""},
		{"bad revision", "GET", "/api/v1/scenarios/demo/revisions/x/export", ""},
		{"long comment", "POST", "/api/v1/scenarios/demo/edits", `{"op":"undo","comment":"` + strings.Repeat("a", 1001) + `"}`},
	} {
		r := h.do(t, tc.method, tc.path, testToken, strings.NewReader(tc.body), "application/json")
		if r.status != http.StatusBadRequest && !(tc.name == "long comment" && r.status == http.StatusRequestEntityTooLarge) {
			t.Errorf("%s: %d %s, want 400", tc.name, r.status, r.body)
		}
	}
}

// FuzzEditBody posts arbitrary bodies to the edit and preview routes: a
// body is either refused as bad input (400, 413) or decoded and handed to
// the session (here one that always answers ErrNothing, 422) — never a
// 5xx, never a panic.
func FuzzEditBody(f *testing.F) {
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"op":"move","stage":"primary","units":["U1"],"school":"S1","base_revision":1}`,
		`{"op":"restore","target_revision":-3}`, `{"units":"U1"}`, `{"base_revision":1e99}`, `{"op":"pin","units":[null]}`, "{\"comment\":\"\xff\"}"} {
		f.Add(s)
	}
	eng := &editorEngine{fakeEngine: newFakeEngine(), err: fmt.Errorf("x: %w", edit.ErrNothing)}
	srv, err := api.New(api.Config{Engine: eng, Token: testToken, MaxBody: 4096})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/api/v1/scenarios/demo/edits", "/api/v1/scenarios/demo/edit/preview", "/api/v1/scenarios/demo/edit/complete"} {
			req := httptest.NewRequest("POST", path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			switch w.Code {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity:
			default:
				t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
			}
		}
	})
}
