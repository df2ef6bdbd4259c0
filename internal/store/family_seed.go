package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// defaultFamilyStatuses are the family_status dictionary's first items
// (DOMAIN.md, Flow B); keys are stable, labels the organisation's to edit.
var defaultFamilyStatuses = [][2]string{
	{"early", "Ранние трудности"},
	{"tzs", "ТЖС (трудная жизненная ситуация)"},
	{"sop", "СОП (социально опасное положение)"},
}

// seedFamilies gives an organisation of the regional network (any type but
// NGO) the family roles (opora.FamilyRoles) it lacks and the family status
// dictionary when it has none. An NGO outside a network gets nothing, so
// its flow stays as it was. Idempotent.
func (s *Store) seedFamilies(ctx context.Context, q queryer, orgID int64) error {
	var typ string
	if err := q.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, orgID).Scan(&typ); err != nil {
		return fmt.Errorf("store: seed families: %w", err)
	}
	if typ == string(opora.OrgNGO) {
		return nil
	}
	for _, br := range opora.FamilyRoles {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM roles WHERE organisation_id = $1 AND key = $2`,
			orgID, br.Key).Scan(&n); err != nil {
			return fmt.Errorf("store: seed families: %w", err)
		}
		if n > 0 {
			continue
		}
		id, err := insertID(ctx, q, `INSERT INTO roles (organisation_id, key, name, scope, builtin, two_factor) VALUES ($1, $2, '', $3, $4, $5)`,
			orgID, br.Key, br.Scope, true, (&opora.Role{Permissions: br.Permissions}).TwoFactorByDefault())
		if err != nil {
			return fmt.Errorf("store: seed families: %w", err)
		}
		var args []any
		for _, p := range br.Permissions {
			args = append(args, id, p)
		}
		if _, err := q.ExecContext(ctx, rowsInsert("role_permissions", []string{"role_id", "permission"}, len(br.Permissions)),
			args...); err != nil {
			return fmt.Errorf("store: seed families: %w", err)
		}
	}
	if err := seedFamilyMeasures(ctx, q, orgID); err != nil {
		return err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2`,
		orgID, opora.DictFamilyStatus).Scan(&n); err != nil {
		return fmt.Errorf("store: seed families: %w", err)
	}
	if n > 0 {
		return nil
	}
	var args []any
	for i, it := range defaultFamilyStatuses {
		args = append(args, orgID, opora.DictFamilyStatus, it[0], it[1], i+1)
	}
	if _, err := q.ExecContext(ctx, rowsInsert("dictionary_items", []string{"organisation_id", "dictionary", "key", "label",
		"position"}, len(defaultFamilyStatuses)), args...); err != nil {
		return fmt.Errorf("store: seed families: %w", err)
	}
	return nil
}

// familyTaskTypes are the measures a help plan for a family is made of
// (DOMAIN.md, "Typical measures by agency"): the task types a network
// agency starts with instead of the homeless services' ones.
var familyTaskTypes = [][2]string{
	{"benefits", "Оформление пособий и льгот"},
	{"material_help", "Материальная помощь"},
	{"curator_support", "Сопровождение куратором"},
	{"psychologist", "Консультации психолога"},
	{"parenting_school", "Школа для родителей"},
	{"home_help", "Социальная помощь на дому"},
	{"kindergarten_place", "Место в детском саду"},
	{"school_attendance", "План посещения школы"},
	{"tutor", "Занятия с репетитором"},
	{"after_school", "Кружок, секция, продлённый день"},
	{"medical_exam", "Медицинское обследование"},
	{"treatment", "Лечение"},
	{"addiction_referral", "Направление к наркологу"},
	{"job_search", "Подбор вакансий"},
	{"retraining", "Переобучение"},
	{"living_conditions_check", "Обследование условий жизни"},
	{"temporary_placement", "Временное устройство ребёнка"},
	{"preventive_talk", "Профилактическая беседа"},
	{"food_clothes", "Продукты и одежда"},
	{"crisis_housing", "Кризисное жильё"},
	{"legal_help", "Юридическая помощь"},
	{"documents", "Восстановление документов"},
}

// familyPlanTemplates are the network agencies' first plan templates, the
// issue's example among them: the parents need a job, so the youngest
// needs a kindergarten place.
var familyPlanTemplates = []struct {
	key, name string
	items     []seedTemplateItem
}{
	{"family_employment", "Трудоустройство родителей", []seedTemplateItem{
		{"job_search", "Подобрать вакансии для родителей", 14},
		{"kindergarten_place", "Найти место в детском саду для младшего ребёнка", 30},
		{"curator_support", "Помочь подготовить ребёнка к детскому саду", 45},
	}},
	{"family_school", "Возвращение ребёнка в школу", []seedTemplateItem{
		{"school_attendance", "Составить с школой план посещения", 7},
		{"tutor", "Занятия с репетитором по пропущенным предметам", 60},
		{"psychologist", "Консультации психолога для ребёнка и родителей", 30},
	}},
}

// isNetworkAgency reports whether an organisation belongs to the regional
// network (any type but NGO).
func isNetworkAgency(ctx context.Context, q queryer, orgID int64) (bool, error) {
	var typ string
	if err := q.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, orgID).Scan(&typ); err != nil {
		return false, fmt.Errorf("store: organisation type: %w", err)
	}
	return typ != string(opora.OrgNGO), nil
}

// seedFamilyMeasures adds the family task types an agency lacks (by key,
// after its own) and the family plan templates it has no template of that
// key for. Idempotent.
func seedFamilyMeasures(ctx context.Context, q queryer, orgID int64) error {
	ids := map[string]int64{}
	rows, err := q.QueryContext(ctx, `SELECT id, key FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2 AND key <> ''`,
		orgID, opora.DictTaskType)
	if err != nil {
		return fmt.Errorf("store: seed family measures: %w", err)
	}
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			rows.Close()
			return fmt.Errorf("store: seed family measures: %w", err)
		}
		ids[key] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: seed family measures: %w", err)
	}
	// The missing measures in one statement, after the organisation's own.
	var args []any
	missing := 0
	var last int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM dictionary_items WHERE organisation_id = $1
		AND dictionary = $2`, orgID, opora.DictTaskType).Scan(&last); err != nil {
		return fmt.Errorf("store: seed family measures: %w", err)
	}
	for _, it := range familyTaskTypes {
		if ids[it[0]] != 0 {
			continue
		}
		missing++
		args = append(args, orgID, opora.DictTaskType, it[0], it[1], last+missing)
	}
	if missing > 0 {
		rows, err := q.QueryContext(ctx, rowsInsert("dictionary_items", []string{"organisation_id", "dictionary", "key", "label",
			"position"}, missing)+` RETURNING id, key`, args...)
		if err != nil {
			return fmt.Errorf("store: seed family measures: %w", err)
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return fmt.Errorf("store: seed family measures: %w", err)
			}
			ids[key] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: seed family measures: %w", err)
		}
	}
	for _, tpl := range familyPlanTemplates {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM plan_templates WHERE organisation_id = $1 AND key = $2`,
			orgID, tpl.key).Scan(&n); err != nil {
			return fmt.Errorf("store: seed family measures: %w", err)
		}
		if n > 0 {
			continue
		}
		p := &opora.PlanTemplate{Name: tpl.name}
		for _, it := range tpl.items {
			p.Items = append(p.Items, &opora.PlanTemplateItem{TypeID: ids[it.typeKey], Description: it.description, DueDays: it.days})
		}
		id, err := insertID(ctx, q, `INSERT INTO plan_templates (organisation_id, key, name, position)
			VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM plan_templates WHERE organisation_id = $1))`,
			orgID, tpl.key, tpl.name)
		if err != nil {
			return fmt.Errorf("store: seed family measures: %w", err)
		}
		p.ID = id
		if err := insertTemplateItems(ctx, q, p); err != nil {
			return err
		}
	}
	return nil
}
