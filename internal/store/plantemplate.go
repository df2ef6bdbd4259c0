package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/opora-project/opora/internal/opora"
)

// DictItem is one item of an organisation's editable dictionary.
type DictItem struct {
	ID       int64
	Key      string
	Label    string
	Disabled bool
}

// CaseDictionary lists the items of the case dictionaries
// (opora.CaseDictionaries) of the actor's organisation, in order; disabled ones
// only when all is true. Needs client.read or dictionary.manage.
func (s *Store) CaseDictionary(ctx context.Context, dict string, all bool) ([]DictItem, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) && !a.Can(opora.PermDictionaryManage) {
		return nil, opora.ErrForbidden
	}
	if !opora.IsCaseDictionary(dict) {
		return nil, opora.ErrNotFound
	}
	q := `SELECT id, key, label, disabled FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2`
	if !all {
		q += ` AND NOT disabled`
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY position, id`, a.OrganisationID, dict)
	if err != nil {
		return nil, fmt.Errorf("store: dictionary: %w", err)
	}
	defer rows.Close()
	var out []DictItem
	for rows.Next() {
		var d DictItem
		if err := rows.Scan(&d.ID, &d.Key, &d.Label, &d.Disabled); err != nil {
			return nil, fmt.Errorf("store: dictionary: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PlanTemplates lists the organisation's plan templates with their tasks;
// disabled ones only when all is true. Needs client.read or dictionary.manage.
func (s *Store) PlanTemplates(ctx context.Context, all bool) ([]*opora.PlanTemplate, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) && !a.Can(opora.PermDictionaryManage) {
		return nil, opora.ErrForbidden
	}
	return s.planTemplates(ctx, s.r, a.OrganisationID, 0, all)
}

// PlanTemplate returns one template of the actor's organisation.
func (s *Store) PlanTemplate(ctx context.Context, id int64) (*opora.PlanTemplate, error) {
	a := opora.ActorFrom(ctx)
	if !a.Can(opora.PermClientRead) && !a.Can(opora.PermDictionaryManage) {
		return nil, opora.ErrForbidden
	}
	ps, err := s.planTemplates(ctx, s.r, a.OrganisationID, id, true)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, opora.ErrNotFound
	}
	return ps[0], nil
}

func (s *Store) planTemplates(ctx context.Context, q queryer, orgID, id int64, all bool) ([]*opora.PlanTemplate, error) {
	where := `organisation_id = $1`
	args := []any{orgID}
	if id != 0 {
		args = append(args, id)
		where += ` AND id = $2`
	}
	if !all {
		where += ` AND NOT disabled`
	}
	rows, err := q.QueryContext(ctx, `SELECT id, organisation_id, key, name, position, disabled FROM plan_templates
		WHERE `+where+` ORDER BY position, name, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: plan templates: %w", err)
	}
	var out []*opora.PlanTemplate
	byID := map[int64]*opora.PlanTemplate{}
	for rows.Next() {
		p := &opora.PlanTemplate{}
		if err := rows.Scan(&p.ID, &p.OrganisationID, &p.Key, &p.Name, &p.Position, &p.Disabled); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: plan templates: %w", err)
		}
		out = append(out, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, 0, len(out))
	for _, p := range out {
		ids = append(ids, p.ID)
	}
	in, iargs := inList(nil, ids)
	rows, err = q.QueryContext(ctx, `SELECT i.id, i.template_id, i.type_id, COALESCE(d.label, ''), i.description, i.due_days, i.position
		FROM plan_template_items i LEFT JOIN dictionary_items d ON d.id = i.type_id
		WHERE i.template_id IN (`+in+`) ORDER BY i.template_id, i.position, i.id`, iargs...)
	if err != nil {
		return nil, fmt.Errorf("store: plan template items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it := &opora.PlanTemplateItem{}
		var tid int64
		if err := rows.Scan(&it.ID, &tid, &it.TypeID, &it.TypeLabel, &it.Description, &it.DueDays, &it.Position); err != nil {
			return nil, fmt.Errorf("store: plan template items: %w", err)
		}
		if p := byID[tid]; p != nil {
			p.Items = append(p.Items, it)
		}
	}
	return out, rows.Err()
}

// SavePlanTemplate creates (p.ID 0) or replaces a plan template with its
// tasks in the given order. Needs dictionary.manage.
func (s *Store) SavePlanTemplate(ctx context.Context, p *opora.PlanTemplate) error {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		for _, it := range p.Items {
			if _, err := checkDictItem(ctx, tx, a.OrganisationID, opora.DictTaskType, it.TypeID, "items"); err != nil {
				return err
			}
		}
		action := opora.ActionCreate
		var ch []opora.Change
		if p.ID == 0 {
			var err error
			if p.Position, err = nextPosition(ctx, tx, "plan_templates", "organisation_id", a.OrganisationID, 1); err != nil {
				return fmt.Errorf("store: save plan template: %w", err)
			}
			id, err := insertID(ctx, tx, `INSERT INTO plan_templates (organisation_id, name, position, disabled) VALUES ($1, $2, $3, $4)`,
				a.OrganisationID, p.Name, p.Position, p.Disabled)
			if err != nil {
				return fmt.Errorf("store: save plan template: %w", err)
			}
			p.ID = id
			ch = []opora.Change{{Field: "name", New: p.Name}}
		} else {
			old, err := s.planTemplates(ctx, tx, a.OrganisationID, p.ID, true)
			if err != nil {
				return err
			}
			if len(old) == 0 {
				return opora.ErrNotFound
			}
			action = opora.ActionUpdate
			ch = opora.Diff(ch, "name", old[0].Name, p.Name)
			ch = opora.Diff(ch, "disabled", fmt.Sprint(old[0].Disabled), fmt.Sprint(p.Disabled))
			ch = opora.Diff(ch, "items", templateItemsText(old[0].Items), templateItemsText(p.Items))
			if _, err := tx.ExecContext(ctx, `UPDATE plan_templates SET name = $1, disabled = $2 WHERE id = $3`,
				p.Name, p.Disabled, p.ID); err != nil {
				return fmt.Errorf("store: save plan template: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM plan_template_items WHERE template_id = $1`, p.ID); err != nil {
				return fmt.Errorf("store: save plan template: %w", err)
			}
		}
		if err := insertTemplateItems(ctx, tx, p); err != nil {
			return err
		}
		if action == opora.ActionUpdate && len(ch) == 0 {
			return nil
		}
		return s.insertAudit(ctx, tx, &opora.AuditEntry{Action: action, Entity: "plan_template", EntityID: p.ID, Changes: ch})
	})
}

func insertTemplateItems(ctx context.Context, q queryer, p *opora.PlanTemplate) error {
	for i, it := range p.Items {
		it.Position = i + 1
		id, err := insertID(ctx, q, `INSERT INTO plan_template_items (template_id, type_id, description, due_days, position)
			VALUES ($1, $2, $3, $4, $5)`, p.ID, it.TypeID, it.Description, it.DueDays, it.Position)
		if err != nil {
			return fmt.Errorf("store: plan template items: %w", err)
		}
		it.ID = id
	}
	return nil
}

func templateItemsText(items []*opora.PlanTemplateItem) string {
	var parts []string
	for _, it := range items {
		parts = append(parts, fmt.Sprintf("%d:%s:%d", it.TypeID, it.Description, it.DueDays))
	}
	return strings.Join(parts, "; ")
}

// ApplyPlanTemplate adds a template's tasks to an open case: each starts
// today and is due its offset in days from today; the curator is responsible.
// Needs client.write on the case's client.
func (s *Store) ApplyPlanTemplate(ctx context.Context, caseID, templateID int64) ([]*opora.Task, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermClientWrite); err != nil {
		return nil, err
	}
	var out []*opora.Task
	err := s.tx(ctx, func(tx *sql.Tx) error {
		k, err := s.loadCase(ctx, tx, opora.PermClientWrite, caseID)
		if err != nil {
			return err
		}
		if !k.Open() {
			return errCaseClosed
		}
		out, err = s.applyTemplate(ctx, tx, k, templateID)
		return err
	})
	return out, err
}

func (s *Store) applyTemplate(ctx context.Context, tx *sql.Tx, k *opora.Case, templateID int64) ([]*opora.Task, error) {
	ps, err := s.planTemplates(ctx, tx, k.OrganisationID, templateID, false)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		var v opora.Validation
		v.Add("template_id", "error.invalid_choice")
		return nil, v.Err()
	}
	today := s.Today()
	var out []*opora.Task
	for _, it := range ps[0].Items {
		t := &opora.Task{CaseID: k.ID, TypeID: it.TypeID, Description: it.Description, ResponsibleID: k.CuratorID,
			StartOn: today, DueOn: today.AddDays(it.DueDays), Status: opora.TaskPlanned}
		if err := t.Validate(); err != nil {
			return nil, err
		}
		if err := s.insertTask(ctx, tx, k, t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Default case dictionaries and plan templates (DOMAIN.md). Keys are stable;
// labels are the organisation's to edit.
var defaultCaseTypes = [][2]string{
	{"resocialisation", "Ресоциализация"},
	{"social_support", "Социальное сопровождение"},
	{"legal_support", "Юридическое сопровождение"},
	{"shelter", "Проживание в приюте"},
	{"family_support", "Сопровождение семьи"},
}

var defaultTaskTypes = [][2]string{
	{"passport", "Восстановление / получение паспорта"},
	{"pension", "Пенсия"},
	{"medical_policy", "Полис ОМС"},
	{"inn", "ИНН"},
	{"snils", "СНИЛС"},
	{"work_record", "Трудовая книжка"},
	{"disability", "Оформление инвалидности"},
	{"care_home", "Дом-интернат"},
	{"temp_registration", "Временная регистрация по адресу организации"},
	{"registration", "Регистрация по другому адресу"},
	{"employment", "Трудоустройство (с проживанием)"},
	{"halfway_house", "Дом на полпути"},
	{"rehab_centre", "Реабилитационный центр"},
	{"hospital", "Больница"},
	{"relatives", "Поиск родственников"},
	{"return_home", "Возвращение домой"},
	{"citizenship", "Гражданство"},
	{"court", "Сопровождение в суде"},
	{"housing", "Жильё"},
	{"housing_fraud", "Оспаривание мошеннической сделки с жильём"},
	{"birth_certificate", "Свидетельство о рождении"},
	{"military_id", "Военный билет"},
	{"foreign_passport", "Заграничный паспорт"},
	{"rehab_aids", "Технические средства реабилитации"},
	{"vocational_training", "Профессиональное обучение"},
	{"identity", "Установление личности"},
	{"aids_centre", "Постановка на учёт в СПИД-центре"},
}

type seedTemplateItem struct {
	typeKey, description string
	days                 int
}

var defaultPlanTemplates = []struct {
	key, name string
	items     []seedTemplateItem
}{
	{"passport_restore", "Восстановление паспорта", []seedTemplateItem{
		{"passport", "Фотографии на паспорт", 3},
		{"passport", "Оплатить госпошлину", 7},
		{"passport", "Подать заявление в МВД", 10},
		{"passport", "Получить паспорт", 30},
	}},
	{"passport_from_ussr", "Паспорт РФ из паспорта СССР", []seedTemplateItem{
		{"passport", "Запросы в архивы о месте жительства на 06.02.1992", 60},
		{"citizenship", "Установление гражданства РФ", 240},
		{"identity", "Заключение об установлении личности", 300},
		{"passport", "Подать заявление на паспорт РФ", 330},
		{"passport", "Получить паспорт РФ", 400},
	}},
	{"job_training", "Обучение на помощника повара", []seedTemplateItem{
		{"medical_policy", "Медицинская книжка", 21},
		{"vocational_training", "Записаться на курсы помощника повара", 30},
		{"vocational_training", "Пройти обучение", 120},
		{"employment", "Трудоустройство", 150},
	}},
}

// seedCases fills an organisation's case types, task types and plan
// templates when it has none of them; it is safe to call again.
func (s *Store) seedCases(ctx context.Context, q queryer, orgID int64) error {
	// A network agency's task types and templates are the family measures
	// (family_seed.go, seedFamilies), not the homeless services' ones.
	agency, err := isNetworkAgency(ctx, q, orgID)
	if err != nil {
		return err
	}
	taskItems := defaultTaskTypes
	if agency {
		taskItems = nil
	}
	taskTypes := map[string]int64{}
	for _, d := range []struct {
		dict  string
		items [][2]string
	}{{opora.DictCaseType, defaultCaseTypes}, {opora.DictTaskType, taskItems}} {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2`,
			orgID, d.dict).Scan(&n); err != nil {
			return fmt.Errorf("store: seed cases: %w", err)
		}
		if n > 0 || len(d.items) == 0 {
			continue
		}
		var args []any
		for i, it := range d.items {
			args = append(args, orgID, d.dict, it[0], it[1], i+1)
		}
		if _, err := q.ExecContext(ctx, rowsInsert("dictionary_items", []string{"organisation_id", "dictionary", "key", "label", "position"}, len(d.items)), args...); err != nil {
			return fmt.Errorf("store: seed cases: %w", err)
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_templates WHERE organisation_id = $1`, orgID).Scan(&n); err != nil {
		return fmt.Errorf("store: seed cases: %w", err)
	}
	if n > 0 || agency {
		return nil
	}
	rows, err := q.QueryContext(ctx, `SELECT id, key FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2 AND key <> ''`,
		orgID, opora.DictTaskType)
	if err != nil {
		return fmt.Errorf("store: seed cases: %w", err)
	}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return fmt.Errorf("store: seed cases: %w", err)
		}
		taskTypes[key] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: seed cases: %w", err)
	}
	for i, tpl := range defaultPlanTemplates {
		p := &opora.PlanTemplate{Name: tpl.name}
		for _, it := range tpl.items {
			if id := taskTypes[it.typeKey]; id != 0 {
				p.Items = append(p.Items, &opora.PlanTemplateItem{TypeID: id, Description: it.description, DueDays: it.days})
			}
		}
		if len(p.Items) == 0 {
			continue
		}
		id, err := insertID(ctx, q, `INSERT INTO plan_templates (organisation_id, key, name, position) VALUES ($1, $2, $3, $4)`,
			orgID, tpl.key, tpl.name, i+1)
		if err != nil {
			return fmt.Errorf("store: seed cases: %w", err)
		}
		p.ID = id
		if err := insertTemplateItems(ctx, q, p); err != nil {
			return err
		}
	}
	return nil
}

// CaseDictionaryItem returns one item of the case dictionaries
// (opora.CaseDictionaries) of the actor's organisation, for
// its administration screen; an item of another dictionary or organisation
// is not found. Needs dictionary.manage.
func (s *Store) CaseDictionaryItem(ctx context.Context, id int64) (*opora.DictionaryItem, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermDictionaryManage); err != nil {
		return nil, err
	}
	d := &opora.DictionaryItem{}
	err := s.r.QueryRowContext(ctx, `SELECT id, organisation_id, dictionary, key, label, position, disabled FROM dictionary_items
		WHERE id = $1 AND organisation_id = $2 AND dictionary IN ($3, $4, $5)`, id, a.OrganisationID, opora.DictCaseType, opora.DictTaskType,
		opora.DictFamilyStatus).
		Scan(&d.ID, &d.OrganisationID, &d.Dictionary, &d.Key, &d.Label, &d.Position, &d.Disabled)
	if err != nil {
		return nil, notFound(err)
	}
	return d, nil
}
