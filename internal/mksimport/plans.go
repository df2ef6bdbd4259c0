package mksimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// МКС's service plans ("договор", table contract) become Opora cases, their
// items (contract_item) the case's tasks. A plan is imported whole — the
// case, every task, and its closing — in one batch, or not at all: when an
// item's type has no Opora task type, the plan is skipped and the type
// reported, so that after adding it (an administrator's dictionaries) a
// re-run brings the plan over complete.

// taskAliases maps МКС contract item type names (lower case) to the keys of
// Opora's default task types where the words differ.
var taskAliases = map[string]string{
	"паспорт": "passport",
	"восстановление паспорта":  "passport",
	"получение паспорта":       "passport",
	"трудоустройство":          "employment",
	"поиск работы":             "employment",
	"пенсия":                   "pension",
	"оформление пенсии":        "pension",
	"полис омс":                "medical_policy",
	"получение полиса омс":     "medical_policy",
	"снилс":                    "snils",
	"инн":                      "inn",
	"регистрация":              "temp_registration",
	"инвалидность":             "disability",
	"оформление инвалидности":  "disability",
	"поиск родственников":      "relatives",
	"возвращение домой":        "return_home",
	"дом-интернат":             "care_home",
	"реабилитационный центр":   "rehab_centre",
	"военный билет":            "military_id",
	"свидетельство о рождении": "birth_certificate",
}

type mksItem struct {
	ID, Type        int64
	Comment         sql.NullString
	DateStart, Date sql.NullTime
}

type mksPlan struct {
	ID, Client, Status int64
	Comment, Number    sql.NullString
	From, To           sql.NullTime
	CreatedAt          sql.NullTime
	UpdatedAt          sql.NullTime
	CreatedBy          sql.NullInt64
	Items              []mksItem
}

func (im *importer) plans(ctx context.Context) error {
	caseTypes, err := im.st.CaseDictionary(ctx, opora.DictCaseType, false)
	if err != nil {
		return err
	}
	var caseType int64
	for _, t := range caseTypes {
		if t.Key == "social_support" || caseType == 0 {
			caseType = t.ID
		}
	}
	taskTypes, err := im.st.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil {
		return err
	}
	taskByKey := map[string]int64{}
	taskByLabel := map[string]int64{}
	for _, t := range taskTypes {
		taskByKey[t.Key] = t.ID
		taskByLabel[key(t.Label)] = t.ID
	}
	itemTypes, err := im.names(ctx, "contract_item_type")
	if err != nil {
		return err
	}
	statuses, err := im.names(ctx, "contract_status")
	if err != nil {
		return err
	}
	taskType := func(mksType int64) int64 {
		name := key(itemTypes[mksType])
		if id := taskByLabel[name]; id != 0 {
			return id
		}
		return taskByKey[taskAliases[name]]
	}

	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), COALESCE(status_id, 0), comment, number,
		date_from, date_to, created_at, updated_at, created_by_id FROM contract ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []*mksPlan
	byID := map[int64]*mksPlan{}
	for rows.Next() {
		p := &mksPlan{}
		if err := rows.Scan(&p.ID, &p.Client, &p.Status, &p.Comment, &p.Number, &p.From, &p.To, &p.CreatedAt, &p.UpdatedAt,
			&p.CreatedBy); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = im.db.QueryContext(ctx, `SELECT id, contract_id, COALESCE(type_id, 0), comment, date_start, date
		FROM contract_item WHERE contract_id IS NOT NULL ORDER BY contract_id, COALESCE(date_start, date), id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var it mksItem
		var plan int64
		if err := rows.Scan(&it.ID, &plan, &it.Type, &it.Comment, &it.DateStart, &it.Date); err != nil {
			rows.Close()
			return err
		}
		if p := byID[plan]; p != nil {
			p.Items = append(p.Items, it)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tasks, err := im.st.ImportedIDs(ctx, "task")
	if err != nil {
		return err
	}
	im.ids["task"] = tasks
	a := opora.ActorFrom(ctx)
	today := im.st.Today()

	im.rep.Already["task"] = len(tasks)
	defer func() { im.rep.Kinds = append(im.rep.Kinds, "task") }()
	return batch(ctx, im, "case", recs, func(p *mksPlan) int64 { return p.ID },
		func(ctx context.Context, m *mksPlan) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("case", "missing", "client not imported", m.ID)
				return 0, nil
			}
			if caseType == 0 {
				return 0, fmt.Errorf("the organisation has no case types")
			}
			for _, it := range m.Items {
				if taskType(it.Type) == 0 {
					im.rep.skip("case", "contract_item_type", itemTypes[it.Type], m.ID)
					return 0, nil
				}
			}
			status := key(statuses[m.Status])
			closed, outcome := false, opora.CaseOutcome("")
			switch {
			case status == "" || strings.Contains(status, "процесс") || strings.Contains(status, "действ"):
			case strings.Contains(status, "не выполнен"):
				closed, outcome = true, opora.OutcomeNotDoneOther
			case strings.Contains(status, "выполнен") || strings.Contains(status, "заверш"):
				closed, outcome = true, opora.OutcomeDone
			case strings.Contains(status, "отказ"):
				closed, outcome = true, opora.OutcomeNotDoneRefused
			default:
				im.rep.skip("case", "contract_status", statuses[m.Status], m.ID)
				return 0, nil
			}
			opened := dateOf(m.From)
			if opened.IsZero() {
				opened = dateOf(m.CreatedAt)
			}
			if opened.IsZero() || opened.After(today) {
				opened = today
			}
			// The curator is the МКС worker who made the plan, if their
			// account came over and is active; else the importing one.
			curator := im.activeUser(ctx, m.CreatedBy)
			if curator == 0 {
				curator = a.UserID
			}
			k := &opora.Case{ClientID: cid, TypeID: caseType, CuratorID: curator, OpenedOn: opened}
			if err := im.st.CreateCase(ctx, k, 0); err != nil {
				// Opora keeps one open case per client: a second open
				// МКС plan waits until the first is closed.
				if e := (*opora.Error)(nil); errors.As(err, &e) && e.Message == "cases.error.already_open" {
					im.rep.skip("case", "conflict", "client already has an open case", m.ID)
					return 0, nil
				}
				return 0, err
			}
			for _, it := range m.Items {
				t := &opora.Task{CaseID: k.ID, TypeID: taskType(it.Type), Description: strings.TrimSpace(it.Comment.String),
					ResponsibleID: curator, StartOn: dateOf(it.DateStart), Status: opora.TaskPlanned}
				if t.StartOn.IsZero() || t.StartOn.Before(opened) {
					t.StartOn = opened
				}
				if done := dateOf(it.Date); !done.IsZero() && !done.After(today) {
					t.Status, t.DoneOn = opora.TaskDone, done
					if t.DoneOn.Before(t.StartOn) {
						t.DoneOn = t.StartOn
					}
				}
				if err := im.st.AddTask(ctx, t); err != nil {
					return 0, fmt.Errorf("item %d: %w", it.ID, err)
				}
				if err := im.st.MapImported(ctx, "task", it.ID, t.ID); err != nil {
					return 0, err
				}
				im.rep.Imported["task"]++
			}
			if closed {
				on := dateOf(m.To)
				if on.IsZero() || on.After(today) {
					on = dateOf(m.UpdatedAt)
				}
				if on.IsZero() || on.After(today) {
					on = today
				}
				if on.Before(opened) {
					on = opened
				}
				comment := strings.TrimSpace(m.Comment.String)
				if comment == "" {
					comment = "МКС: " + statuses[m.Status]
				}
				cl := &opora.CaseClosing{Outcome: outcome, ClosedOn: on, OpenTasks: opora.OpenTasksCancel, Comment: comment}
				if err := im.st.CloseCase(ctx, k.ID, cl); err != nil {
					return 0, fmt.Errorf("closing: %w", err)
				}
			}
			return k.ID, nil
		})
}
