package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// mergeTables are the tables whose rows belong to a client through a
// client_id column and simply move to the survivor on a merge. EVERY new
// table with a client_id must be added here (or handled in mergeSteps);
// docs/ARCHITECTURE.md keeps the checklist.
var mergeTables = []string{
	"client_events",
	"consents", // the answers moved with them keep their basis_consent_id
	"form_fillings",
	"notes",
	"restrictions",
	"reminders",
	"identity_documents",
	"files",
	"subject_requests",
	"life_events",       // hint.go: a person's life events (job lost, divorce, …)
	"screening_actions", // screening: what was done about a person on the early screening list
	"issued_documents",  // doctemplate.go: certificates and letters issued to the person
	"import_rows",       // tabimport.go: the spreadsheet row the client was imported from
	"import_problems",   // tabimport.go: a dry run's likely duplicate of the client
}

// mergeSteps move rows that need more than a plain UPDATE (unique
// constraints, one-per-client rows, derived tables), in this order. Each
// runs in the merge's transaction after the plain moves; from is the
// merged-away client, to the survivor. A step may refuse the merge.
var mergeSteps = []func(s *Store, ctx context.Context, tx *sql.Tx, from, to int64) error{
	mergeCases,          // case_merge.go: cases and their tasks; refuses two open cases
	mergeCheckinClients, // checkin_merge.go: check-in persons and visits
	mergeServices,       // service.go: services and the tables derived from them
	mergeShelter,        // shelter_merge.go: stays and medical checks; refuses two living in the shelter
	mergeFamilyMembers,  // family_merge.go: family memberships
	mergeRetentionDue,   // retention.go: the due listing of both, redone by the next daily run
}

// MergeClients merges client fromID into client intoID (the survivor) in one
// transaction: every row of fromID moves to intoID; of the main
// questionnaire the survivor keeps its own answers and takes the others';
// the photo and consent move when the survivor has none. fromID stays for
// the record with merged_into set, so its number leads to the survivor.
// Needs client.delete; both audit-logged, with a merge event on the survivor.
func (s *Store) MergeClients(ctx context.Context, intoID, fromID int64) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientDelete); err != nil {
		return err
	}
	if intoID == fromID {
		var v opora.Validation
		v.Add("other", "merge.error_same")
		return v.Err()
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		return s.recountClients(ctx, tx, []int64{intoID, fromID}, func() error {
			into, err := s.client(ctx, tx, opora.PermClientDelete, intoID)
			if err != nil {
				return err
			}
			from, err := s.client(ctx, tx, opora.PermClientDelete, fromID)
			if err != nil {
				return err
			}
			if into.MergedInto != 0 || into.Deleted() || from.MergedInto != 0 {
				var v opora.Validation
				v.Add("other", "merge.error_merged")
				return v.Err()
			}
			// Main questionnaire: the survivor's answers win field by field.
			rows, err := tx.QueryContext(ctx, `SELECT DISTINCT field_id FROM answers WHERE client_id = $1 AND filling_id IS NULL`, intoID)
			if err != nil {
				return fmt.Errorf("store: merge: %w", err)
			}
			var keep []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return fmt.Errorf("store: merge: %w", err)
				}
				keep = append(keep, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("store: merge: %w", err)
			}
			q := `UPDATE answers SET client_id = $1 WHERE client_id = $2`
			args := []any{intoID, fromID}
			if len(keep) > 0 {
				var in string
				in, args = inList(args, keep)
				q += ` AND NOT (filling_id IS NULL AND field_id IN (` + in + `))`
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("store: merge answers: %w", err)
			}
			for _, t := range mergeTables {
				if _, err := tx.ExecContext(ctx, `UPDATE `+t+` SET client_id = $1 WHERE client_id = $2`, intoID, fromID); err != nil {
					return fmt.Errorf("store: merge %s: %w", t, err)
				}
			}
			for _, step := range mergeSteps {
				if err := step(s, ctx, tx, fromID, intoID); err != nil {
					return err
				}
			}
			var changes []opora.Change
			if into.PhotoID == 0 && from.PhotoID != 0 {
				if _, err := tx.ExecContext(ctx, `UPDATE clients SET photo_id = $1, thumb_id = $2 WHERE id = $3`,
					from.PhotoID, nullID(from.ThumbID), intoID); err != nil {
					return fmt.Errorf("store: merge photo: %w", err)
				}
				changes = append(changes, opora.Change{Field: "photo_id", New: strconv.FormatInt(from.PhotoID, 10)})
			}
			now := s.Now()
			if _, err := tx.ExecContext(ctx, `UPDATE clients SET version = version + 1, updated_by = $1, updated_at = $2 WHERE id = $3`,
				nullID(a.UserID), now, intoID); err != nil {
				return fmt.Errorf("store: merge: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE clients SET merged_into = $1, version = version + 1, updated_by = $2, updated_at = $3
				WHERE id = $4`, intoID, nullID(a.UserID), now, fromID); err != nil {
				return fmt.Errorf("store: merge: %w", err)
			}
			fromNo, intoNo := strconv.FormatInt(fromID, 10), strconv.FormatInt(intoID, 10)
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "client", EntityID: intoID,
				Section: "merge", Changes: append([]opora.Change{{Field: "merged_from", New: fromNo}}, changes...)}); err != nil {
				return err
			}
			if err := s.insertAudit(ctx, tx, &opora.AuditEntry{Action: opora.ActionUpdate, Entity: "client", EntityID: fromID,
				Section: "merge", Changes: []opora.Change{{Field: "merged_into", New: intoNo}}}); err != nil {
				return err
			}
			return s.addEvent(ctx, tx, &opora.ClientEvent{OrganisationID: into.OrganisationID, ClientID: intoID, Kind: opora.EventMerge,
				Entity: "client", EntityID: fromID, Summary: "№ " + fromNo + " → № " + intoNo})
		})
	})
}
