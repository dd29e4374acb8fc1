package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// PutBlob stores b under key for the scenario, replacing any previous blob
// of that key, in one transaction. Blobs are caches derived from the
// scenario (e.g. a road graph): they are deleted with the scenario and when
// it is replaced by a new import. A nil b is stored as an empty blob. It
// fails with ErrNotFound when the scenario does not exist.
func (s *Store) PutBlob(ctx context.Context, scenario, key string, b []byte) error {
	if key == "" {
		return fmt.Errorf("store: put blob for scenario %q: empty key", scenario)
	}
	if b == nil {
		b = []byte{}
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO blobs (scenario_id, key, data)
			SELECT id, ?, ? FROM scenarios WHERE name = ?
			ON CONFLICT (scenario_id, key) DO UPDATE SET data = excluded.data`, key, b, scenario)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("scenario %q: %w", scenario, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put blob %q for scenario %q: %w", key, scenario, err)
	}
	return nil
}

// Blob returns the blob stored under key for the scenario. It fails with
// ErrNotFound when the scenario or the blob does not exist.
func (s *Store) Blob(ctx context.Context, scenario, key string) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, `SELECT b.data FROM blobs b JOIN scenarios s ON s.id = b.scenario_id
		WHERE s.name = ? AND b.key = ?`, scenario, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: blob %q of scenario %q: %w", key, scenario, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: blob %q of scenario %q: %w", key, scenario, err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
