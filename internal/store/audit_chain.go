package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/opora-project/opora/internal/opora"
)

// The audit log's hash chain (docs/ARCHITECTURE.md, "Audit hash chain").
// Every row carries hash = SHA-256(previous row's hash ‖ the row's fields
// in a canonical encoding); the first row's previous hash is empty. The
// one-row table audit_head holds the chain's end (last id, its hash and
// time). Every append reads it locked, takes the next id from it and moves
// it on, in the transaction of the change the row records, so two writers
// never chain onto the same row and ids have no gaps from the chain's
// start on. Rows that existed before the chain (ids up to seal_to) are
// chained once by Migrate (sealAudit), in id order.

// auditChainVersion starts every row's encoding, so that a later change of
// the encoding can be told apart.
const auditChainVersion = "opora-audit-v2"

// auditTimeLayout is the row time as hashed: UTC, fixed microseconds, the
// precision both databases keep (PostgreSQL's timestamptz; SQLite's text
// holds what the store wrote, which insertAudit truncates to microseconds).
const auditTimeLayout = "2006-01-02T15:04:05.000000Z"

// chainRow is an audit row as the chain sees it. The optional references
// are NULL (Valid false) or a number, and hash differently.
type chainRow struct {
	ID                      int64
	At                      time.Time
	Org, User, Entity       sql.NullInt64
	Action, EntityType, Sec string
	Changes, IP             string
	Hash                    []byte
	// ChangesSHA is SHA-256 of the changes as written. The chain hashes
	// it, not the changes themselves, so that a destruction may erase a
	// row's values (changes = '', the one update the append-only trigger
	// allows after sealing) and the chain still verifies; a changed
	// changes text no longer gives it, and a changed ChangesSHA breaks the
	// chain.
	ChangesSHA []byte
}

// changesDigest is what the chain hashes for a row's changes: the stored
// digest of erased values, else the digest of the changes.
func (r *chainRow) changesDigest() []byte {
	if r.Changes == "" && len(r.ChangesSHA) > 0 {
		return r.ChangesSHA
	}
	d := sha256.Sum256([]byte(r.Changes))
	return d[:]
}

// erased reports whether the row's values were erased by a destruction.
func (r *chainRow) erased() bool {
	empty := sha256.Sum256(nil)
	return r.Changes == "" && len(r.ChangesSHA) > 0 && !bytes.Equal(r.ChangesSHA, empty[:])
}

// chainHash is SHA-256 over the previous hash and the row's fields, each
// field length-prefixed so that no two rows encode alike.
func chainHash(prev []byte, r *chainRow) []byte {
	h := sha256.New()
	field := func(s string) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	ref := func(n sql.NullInt64) string {
		if !n.Valid {
			return ""
		}
		return strconv.FormatInt(n.Int64, 10)
	}
	field(auditChainVersion)
	field(string(prev))
	field(strconv.FormatInt(r.ID, 10))
	field(r.At.UTC().Format(auditTimeLayout))
	field(ref(r.Org))
	field(ref(r.User))
	field(r.Action)
	field(r.EntityType)
	field(ref(r.Entity))
	field(r.Sec)
	field(string(r.changesDigest()))
	field(r.IP)
	return h.Sum(nil)
}

func nullRef(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// appendAudit chains one row onto the log in tx (a transaction: the head's
// lock lasts until it commits). The id and the hash come from the head;
// the INSERT takes its id from the head too, so a replay of these
// statements (the bench's raw-SQL floor) appends rather than collides.
func (s *Store) appendAudit(ctx context.Context, tx queryer, e *opora.AuditEntry, changes string) error {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var last, sealTo int64
	var prev []byte
	if err := tx.QueryRowContext(ctx, `SELECT last_id, last_hash, seal_to FROM audit_head WHERE id = 1`+lock).
		Scan(&last, &prev, &sealTo); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	if last < sealTo {
		return errors.New("store: audit: the audit log's existing rows are not chained yet; run opora migrate")
	}
	r := &chainRow{ID: last + 1, At: e.At, Org: nullRef(e.OrganisationID), User: nullRef(e.UserID),
		Action: e.Action, EntityType: e.Entity, Entity: nullRef(e.EntityID), Sec: e.Section, Changes: changes, IP: e.IP}
	r.ChangesSHA = r.changesDigest()
	r.Hash = chainHash(prev, r)
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_id = last_id + 1, last_hash = $1, last_at = $2 WHERE id = 1`,
		r.Hash, r.At); err != nil {
		return fmt.Errorf("store: audit head: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log
		(id, at, organisation_id, user_id, action, entity, entity_id, section, changes, ip, hash, changes_sha)
		VALUES ((SELECT last_id FROM audit_head WHERE id = 1), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.At, nullID(e.OrganisationID), nullID(e.UserID), e.Action, e.Entity, nullID(e.EntityID),
		e.Section, changes, e.IP, r.Hash, r.ChangesSHA); err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	e.ID = r.ID
	return nil
}

// sealAudit chains the rows written before the chain existed (ids up to
// the head's seal_to, set by the migration), in id order, a batch per
// transaction. Rows written past the application later are not sealed:
// verification reports them.
func (s *Store) sealAudit(ctx context.Context) error {
	const batch = 500
	for {
		done := false
		err := s.tx(ctx, func(tx *sql.Tx) error {
			lock := ""
			if s.dialect == Postgres {
				lock = " FOR UPDATE"
			}
			var last, sealTo int64
			var prev []byte
			if err := tx.QueryRowContext(ctx, `SELECT last_id, last_hash, seal_to FROM audit_head WHERE id = 1`+lock).
				Scan(&last, &prev, &sealTo); err != nil {
				return err
			}
			if last >= sealTo {
				done = true
				return nil
			}
			rows, err := tx.QueryContext(ctx, `SELECT `+chainColumns+` FROM audit_log
				WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`, last, sealTo, batch)
			if err != nil {
				return err
			}
			var sealed []*chainRow
			for rows.Next() {
				r, err := scanChainRow(rows)
				if err != nil {
					rows.Close()
					return err
				}
				if len(r.ChangesSHA) == 0 {
					r.ChangesSHA = r.changesDigest()
				}
				r.Hash = chainHash(prev, r)
				prev = r.Hash
				sealed = append(sealed, r)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if len(sealed) == 0 { // the rows up to seal_to are gone: nothing more to seal
				_, err := tx.ExecContext(ctx, `UPDATE audit_head SET seal_to = last_id WHERE id = 1`)
				done = true
				return err
			}
			var vals strings.Builder
			args := make([]any, 0, 3*len(sealed))
			for i, r := range sealed {
				if i > 0 {
					vals.WriteString(", ")
				}
				if s.dialect == Postgres {
					fmt.Fprintf(&vals, "($%d::bigint, $%d::bytea, $%d::bytea)", 3*i+1, 3*i+2, 3*i+3)
				} else {
					fmt.Fprintf(&vals, "($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
				}
				args = append(args, r.ID, r.Hash, r.ChangesSHA)
			}
			if _, err := tx.ExecContext(ctx, `WITH v(id, h, c) AS (VALUES `+vals.String()+`)
				UPDATE audit_log SET hash = v.h, changes_sha = v.c FROM v WHERE audit_log.id = v.id AND audit_log.hash IS NULL`, args...); err != nil {
				return err
			}
			end := sealed[len(sealed)-1]
			if len(sealed) < batch {
				// The last batch: whatever is left up to seal_to was deleted.
				_, err = tx.ExecContext(ctx, `UPDATE audit_head SET last_id = $1, last_hash = $2, last_at = $3, seal_to = $1 WHERE id = 1`,
					end.ID, end.Hash, end.At)
				done = true
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE audit_head SET last_id = $1, last_hash = $2, last_at = $3 WHERE id = 1`,
				end.ID, end.Hash, end.At)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: seal the audit log: %w", err)
		}
		if done {
			return nil
		}
	}
}

const chainColumns = `id, at, organisation_id, user_id, action, entity, entity_id, section, changes, ip, hash, changes_sha`

func scanChainRow(row interface{ Scan(...any) error }) (*chainRow, error) {
	r := &chainRow{}
	var at sql.NullTime
	if err := row.Scan(&r.ID, &at, &r.Org, &r.User, &r.Action, &r.EntityType, &r.Entity, &r.Sec, &r.Changes, &r.IP, &r.Hash, &r.ChangesSHA); err != nil {
		return nil, err
	}
	r.At = timeOf(at)
	return r, nil
}

// AuditAnchor returns the head of the audit chain: the last row's id, hash
// and time. Needs audit.read. The chain is one for the whole database, so
// the anchor is the same for every organisation and tells nothing about
// any row's content.
func (s *Store) AuditAnchor(ctx context.Context) (opora.AuditAnchor, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAuditRead); err != nil {
		return opora.AuditAnchor{}, err
	}
	h, err := s.auditHead(ctx)
	if err != nil {
		return opora.AuditAnchor{}, err
	}
	return h.anchor(), nil
}

type auditHead struct {
	last, sealTo int64
	hash         []byte
	at           sql.NullTime
}

func (h auditHead) anchor() opora.AuditAnchor {
	return opora.AuditAnchor{ID: h.last, Hash: hex.EncodeToString(h.hash), At: timeOf(h.at)}
}

func (s *Store) auditHead(ctx context.Context) (auditHead, error) {
	var h auditHead
	if err := s.r.QueryRowContext(ctx, `SELECT last_id, last_hash, last_at, seal_to FROM audit_head WHERE id = 1`).
		Scan(&h.last, &h.hash, &h.at, &h.sealTo); err != nil {
		return h, fmt.Errorf("store: audit head: %w", err)
	}
	return h, nil
}

// ParseAuditAnchor reads an anchor as AuditAnchor.String writes it ("ID:HASH").
func ParseAuditAnchor(s string) (opora.AuditAnchor, error) {
	idText, hashText, ok := strings.Cut(strings.TrimSpace(s), ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || id < 0 {
		return opora.AuditAnchor{}, fmt.Errorf("an anchor is ID:HASH as \"opora audit anchor\" prints it, not %q", s)
	}
	b, err := hex.DecodeString(hashText)
	if err != nil || (id > 0 && len(b) != sha256.Size) {
		return opora.AuditAnchor{}, fmt.Errorf("the anchor's hash must be %d hexadecimal digits", 2*sha256.Size)
	}
	return opora.AuditAnchor{ID: id, Hash: strings.ToLower(hashText)}, nil
}

// VerifyAudit walks the whole audit log in id order, recomputing each
// row's hash from its predecessor's, and reports the first broken link:
// a changed row, missing (deleted) rows, a row written past the
// application, missing rows at the end. With an anchor taken earlier it
// also checks that the chain still passes through it, which catches a
// rewrite that recomputed every later hash. Needs audit.read; reads only.
func (s *Store) VerifyAudit(ctx context.Context, anchor *opora.AuditAnchor) (*opora.AuditVerification, error) {
	if err := opora.ActorFrom(ctx).Require(opora.PermAuditRead); err != nil {
		return nil, err
	}
	h, err := s.auditHead(ctx)
	if err != nil {
		return nil, err
	}
	v := &opora.AuditVerification{Head: h.anchor()}
	broken := func(kind string, id int64, format string, args ...any) (*opora.AuditVerification, error) {
		v.Kind, v.RowID, v.Detail = kind, id, fmt.Sprintf(format, args...)
		return v, nil
	}
	if anchor != nil && anchor.ID > h.last {
		return broken(opora.AuditBreakAnchor, anchor.ID,
			"the anchor names row %d but the chain ends at row %d: rows were deleted from the end, or the anchor is from another database",
			anchor.ID, h.last)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+chainColumns+` FROM audit_log WHERE id <= $1 ORDER BY id`, h.last)
	if err != nil {
		return nil, fmt.Errorf("store: verify audit: %w", err)
	}
	defer rows.Close()
	var prev []byte
	var prevID int64
	var pending *chainRow // a row whose hash did not match: the next row tells how
	var expected []byte
	anchorSeen := false
	for rows.Next() {
		r, err := scanChainRow(rows)
		if err != nil {
			return nil, fmt.Errorf("store: verify audit: %w", err)
		}
		if pending != nil {
			v.RowID, v.Kind = pending.ID, opora.AuditBreakChanged
			switch {
			case r.Hash != nil && bytes.Equal(chainHash(pending.Hash, r), r.Hash):
				v.Detail = fmt.Sprintf("row %d was changed after it was written: its fields (time, organisation, user, action, record, section, changes or address) no longer give its hash, which the next row still links to", pending.ID)
			case r.Hash != nil && bytes.Equal(chainHash(expected, r), r.Hash):
				v.Detail = fmt.Sprintf("row %d's hash was changed: its fields are as written, the stored hash is not theirs", pending.ID)
			default:
				v.Detail = fmt.Sprintf("row %d does not match its hash, and row %d does not link to it either: rows were changed or replaced from row %d on", pending.ID, r.ID, pending.ID)
			}
			return v, nil
		}
		v.Rows++
		if r.erased() {
			v.Erased++
		}
		if r.Hash == nil {
			return broken(opora.AuditBreakInserted, r.ID, "row %d has no hash: it was written past the application, not chained", r.ID)
		}
		want := chainHash(prev, r)
		if !bytes.Equal(want, r.Hash) {
			gap := r.ID > prevID+1
			switch {
			case gap && prevID >= h.sealTo:
				v.FromID, v.ToID = prevID+1, r.ID-1
				return broken(opora.AuditBreakDeleted, r.ID, "%s deleted: row %d no longer links to row %d", missing(prevID+1, r.ID-1), r.ID, prevID)
			case gap:
				v.FromID, v.ToID = prevID+1, r.ID-1
				return broken(opora.AuditBreakChanged, r.ID,
					"row %d does not link to row %d: it was changed, or rows between them (ids %d to %d, some of which may never have existed) were deleted",
					r.ID, prevID, prevID+1, r.ID-1)
			}
			pending, expected = r, want
			continue
		}
		if anchor != nil && r.ID == anchor.ID {
			anchorSeen = true
			if got := hex.EncodeToString(r.Hash); got != anchor.Hash {
				return broken(opora.AuditBreakAnchor, r.ID,
					"row %d's hash is %s but the anchor says %s: the log up to row %d was rewritten (and its hashes recomputed) since the anchor was taken",
					r.ID, got, anchor.Hash, r.ID)
			}
		}
		prev, prevID = r.Hash, r.ID
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: verify audit: %w", err)
	}
	if pending != nil { // the last row does not match its hash
		v.RowID, v.Kind = pending.ID, opora.AuditBreakChanged
		if bytes.Equal(pending.Hash, h.hash) {
			v.Detail = fmt.Sprintf("row %d was changed after it was written: its fields no longer give its hash, which the chain's head still records", pending.ID)
		} else {
			v.Detail = fmt.Sprintf("row %d does not match its hash: its fields or its hash were changed", pending.ID)
		}
		return v, nil
	}
	if prevID < h.last {
		v.FromID, v.ToID = prevID+1, h.last
		return broken(opora.AuditBreakTruncated, prevID+1, "%s deleted from the end: the chain's head records row %d", missing(prevID+1, h.last), h.last)
	}
	if !bytes.Equal(prev, h.hash) {
		return broken(opora.AuditBreakChanged, prevID, "the chain's head does not record row %d's hash: the head or the row was changed", prevID)
	}
	if anchor != nil && anchor.ID > 0 && !anchorSeen {
		return broken(opora.AuditBreakAnchor, anchor.ID, "row %d, which the anchor names, is missing: it was deleted", anchor.ID)
	}
	// Rows past the head: written by no append (which moves the head).
	var past sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT MIN(a.id) FROM audit_log a JOIN audit_head h ON h.id = 1 AND a.id > h.last_id`).
		Scan(&past); err != nil {
		return nil, fmt.Errorf("store: verify audit: %w", err)
	}
	if past.Valid {
		return broken(opora.AuditBreakInserted, past.Int64, "row %d is past the chain's head: it was written past the application, not chained", past.Int64)
	}
	v.OK = true
	return v, nil
}

func missing(from, to int64) string {
	if from == to {
		return fmt.Sprintf("row %d was", from)
	}
	return fmt.Sprintf("rows %d to %d were", from, to)
}
