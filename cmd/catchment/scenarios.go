package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"catchment/data/store"
)

func init() {
	register(command{
		name:    "scenarios",
		summary: "list the scenarios stored in a database",
		run:     runScenarios,
	})
}

// scenarioJSON is one scenario in `catchment scenarios --json`. Field names
// are part of the CLI's output contract: extend, never rename.
type scenarioJSON struct {
	Name       string    `json:"name"`
	Created    time.Time `json:"created"`
	Planar     bool      `json:"planar"`
	CRS        string    `json:"crs"`
	Schools    int       `json:"schools"`
	Units      int       `json:"units"`
	Current    int       `json:"current"`
	Candidates int       `json:"candidates"`
	Parent     string    `json:"parent"`
	Note       string    `json:"note"`
}

func runScenarios(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlagSet(env, "scenarios", "--db FILE [--json]")
	var (
		db     string
		asJSON bool
	)
	fs.StringVar(&db, "db", "", "SQLite database `file`")
	fs.BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if db == "" {
		fmt.Fprintln(env.stderr, "catchment scenarios: --db is required")
		fs.Usage()
		return errUsage
	}
	if !dbFileExists(db) {
		return fmt.Errorf("database %s does not exist", db)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.Scenarios(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeScenariosJSON(env.stdout, list)
	}
	return writeScenariosTable(env.stdout, list)
}

func writeScenariosJSON(w io.Writer, list []store.ScenarioInfo) error {
	out := make([]scenarioJSON, 0, len(list))
	for _, s := range list {
		out = append(out, scenarioJSON{
			Name: s.Name, Created: s.Created, Planar: s.Planar, CRS: s.CRS,
			Schools: s.Schools, Units: s.Units, Current: s.Current, Candidates: s.Candidates,
			Parent: s.Parent, Note: s.Note,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// writeScenariosTable prints an aligned table, one scenario per row.
// Columns are padded by display width, so Chinese names (two terminal
// cells per character) line up too. Numbers are right-aligned.
func writeScenariosTable(w io.Writer, list []store.ScenarioInfo) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "no scenarios")
		return err
	}
	header := []string{"NAME", "CREATED", "SCHOOLS", "UNITS", "CURRENT", "CANDIDATES", "CRS", "PARENT", "NOTE"}
	numeric := []bool{false, false, true, true, true, true, false, false, false}
	rows := [][]string{header}
	for _, s := range list {
		rows = append(rows, []string{
			scenarioCell(s.Name), s.Created.UTC().Format("2006-01-02 15:04:05Z"),
			strconv.Itoa(s.Schools), strconv.Itoa(s.Units), strconv.Itoa(s.Current), strconv.Itoa(s.Candidates),
			scenarioCell(s.CRS), scenarioCell(s.Parent), scenarioCell(s.Note),
		})
	}
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], scenarioCellWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		line := ""
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-scenarioCellWidth(c))
			if i > 0 {
				line += "  "
			}
			if numeric[i] {
				line += pad + c
			} else {
				line += c + pad
			}
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// scenarioCell makes free text safe for one table cell: control characters
// (newlines, tabs, escape sequences) become spaces.
func scenarioCell(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// scenarioCellWidth is the number of terminal cells s occupies: East Asian wide
// and fullwidth characters take two, combining marks none.
func scenarioCellWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200b':
		case scenarioWideRune(r):
			n += 2
		default:
			n++
		}
	}
	return n
}

// scenarioWideRune reports whether r is East Asian Wide or Fullwidth (the common
// CJK blocks; enough for scenario names and notes).
func scenarioWideRune(r rune) bool {
	switch {
	case r >= 0x1100 && r <= 0x115F, // Hangul Jamo
		r >= 0x2E80 && r <= 0x303E, // CJK radicals, punctuation
		r >= 0x3041 && r <= 0x33FF, // kana, CJK symbols
		r >= 0x3400 && r <= 0x4DBF, // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF, // CJK unified ideographs
		r >= 0xA000 && r <= 0xA4CF, // Yi
		r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
		r >= 0xF900 && r <= 0xFAFF, // CJK compatibility ideographs
		r >= 0xFE30 && r <= 0xFE4F, // CJK compatibility forms
		r >= 0xFF00 && r <= 0xFF60, // fullwidth forms
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1F64F, // emoji
		r >= 0x20000 && r <= 0x3FFFD: // CJK extensions B–
		return true
	}
	return false
}
