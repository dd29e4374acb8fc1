package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batchRows is how many rows one multi-row INSERT carries. Fewer, larger
// statements cut the per-statement cost of database/sql and cgo; 64 rows of
// the widest table (24 columns) stay far below SQLite's variable limit.
const batchRows = 64

// inserter buffers rows for one table and writes them with multi-row
// INSERT statements prepared once per transaction.
type inserter struct {
	tx    *sql.Tx
	table string
	cols  []string
	full  *sql.Stmt // batchRows rows
	args  []any
	rows  int
	total int
}

func newInserter(ctx context.Context, tx *sql.Tx, table string, cols []string) (*inserter, error) {
	in := &inserter{tx: tx, table: table, cols: cols, args: make([]any, 0, batchRows*len(cols))}
	st, err := tx.PrepareContext(ctx, in.sql(batchRows))
	if err != nil {
		return nil, fmt.Errorf("prepare insert into %s: %w", table, err)
	}
	in.full = st
	return in, nil
}

// sql returns an INSERT of n rows.
func (in *inserter) sql(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(in.table)
	b.WriteString(" (")
	b.WriteString(strings.Join(in.cols, ", "))
	b.WriteString(") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", len(in.cols)), ",") + ")"
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

// add buffers one row; vals must match cols. It writes a batch when full.
func (in *inserter) add(ctx context.Context, vals ...any) error {
	if len(vals) != len(in.cols) {
		return fmt.Errorf("insert into %s: %d values for %d columns", in.table, len(vals), len(in.cols))
	}
	in.args = append(in.args, vals...)
	in.rows++
	if in.rows == batchRows {
		if _, err := in.full.ExecContext(ctx, in.args...); err != nil {
			return fmt.Errorf("insert into %s: %w", in.table, err)
		}
		in.total += in.rows
		in.rows = 0
		in.args = in.args[:0]
	}
	return nil
}

// close writes the buffered rows and releases the statement.
func (in *inserter) close(ctx context.Context) error {
	defer in.full.Close()
	if in.rows == 0 {
		return nil
	}
	if _, err := in.tx.ExecContext(ctx, in.sql(in.rows), in.args...); err != nil {
		return fmt.Errorf("insert into %s: %w", in.table, err)
	}
	in.total += in.rows
	in.rows = 0
	in.args = in.args[:0]
	return nil
}
