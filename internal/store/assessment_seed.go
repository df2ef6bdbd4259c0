package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// The default assessment: the domains of family-functioning practice
// (DOMAIN.md, Flow B), each with a few indicators written for Opora in
// plain words (no published instrument is copied), every indicator
// answered on one scale. The region edits it in the forms builder.

// defaultAssessmentScale is the answer scale of every default indicator.
var defaultAssessmentScale = []struct {
	label string
	score int
}{
	{"Нет трудностей", 0},
	{"Есть риск", 1},
	{"Есть проблема", 2},
	{"Опасность для ребёнка", 3},
}

// defaultAssessmentLevels are the region's thresholds on the total score
// (33 indicators, at most 99 points).
var defaultAssessmentLevels = []opora.AssessmentLevel{
	{Label: "Низкий", MinScore: 0},
	{Label: "Средний", MinScore: 10},
	{Label: "Высокий", MinScore: 25},
	{Label: "Критический", MinScore: 45},
}

var defaultAssessmentDomains = []struct {
	title      string
	indicators []string
}{
	{"Безопасность ребёнка", []string{
		"Ребёнок оставался без присмотра взрослых в опасной обстановке",
		"Есть следы травм, объяснения которых вызывают сомнение",
		"Ребёнок уходил из дома или боится возвращаться домой",
	}},
	{"Здоровье и развитие", []string{
		"Ребёнок не наблюдается у врача, пропущены прививки или осмотры",
		"Болезни ребёнка не лечатся, назначения врача не выполняются",
		"Развитие ребёнка отстаёт от возраста, помощь специалистов не получает",
	}},
	{"Базовый уход", []string{
		"Ребёнок недоедает или питается нерегулярно",
		"Одежда и обувь не по сезону или не по размеру",
		"Не соблюдается гигиена ребёнка и жилья",
	}},
	{"Обучение", []string{
		"Ребёнок пропускает школу или детский сад без уважительной причины",
		"Ребёнок не справляется с учёбой, родители не связываются со школой",
		"Ребёнок школьного возраста не учится",
	}},
	{"Воспитание и эмоциональное тепло", []string{
		"Родители не знают, где и с кем проводит время ребёнок",
		"Ребёнка часто ругают, унижают или наказывают физически",
		"Родители не проводят время с ребёнком, не интересуются им",
	}},
	{"Отношения в семье и насилие", []string{
		"В семье бывают ссоры с криками, угрозами или драками",
		"Кто-то из взрослых применяет насилие к другому взрослому",
		"Ребёнок был свидетелем насилия в семье",
	}},
	{"Зависимости", []string{
		"Взрослый злоупотребляет алкоголем",
		"Взрослый употребляет наркотики",
		"Из-за зависимости взрослого ребёнок остаётся без ухода",
	}},
	{"Жильё", []string{
		"Жильё опасно: нет отопления, света, неисправна проводка или печь",
		"Семья может потерять жильё или живёт временно у других",
		"У ребёнка нет своего места для сна и занятий",
	}},
	{"Доход и занятость", []string{
		"Дохода семьи не хватает на еду и необходимое",
		"Трудоспособные взрослые не работают и не ищут работу",
		"У семьи долги за жильё или по кредитам, которые она не может платить",
	}},
	{"Документы и льготы", []string{
		"У членов семьи нет паспорта, свидетельства о рождении или полиса",
		"Семья не получает пособия и льготы, на которые имеет право",
		"Нет регистрации по месту жительства",
	}},
	{"Социальные связи и поддержка", []string{
		"Семье не к кому обратиться за помощью: нет родных и друзей рядом",
		"Семья не доверяет специалистам и отказывается от помощи",
		"Ребёнок не общается со сверстниками, не ходит в кружки и секции",
	}},
}

// seedAssessment gives an organisation of the regional network (any type
// but NGO) the default assessment form with its levels when it has no
// assessment form yet. Idempotent.
func (s *Store) seedAssessment(ctx context.Context, q queryer, orgID int64) error {
	var typ string
	if err := q.QueryRowContext(ctx, `SELECT type FROM organisations WHERE id = $1`, orgID).Scan(&typ); err != nil {
		return fmt.Errorf("store: seed assessment: %w", err)
	}
	if typ == string(opora.OrgNGO) {
		return nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM forms WHERE organisation_id = $1 AND kind = $2`,
		orgID, opora.FormKindAssessment).Scan(&n); err != nil {
		return fmt.Errorf("store: seed assessment: %w", err)
	}
	if n > 0 {
		return nil
	}
	pos, err := nextPosition(ctx, q, "forms", "organisation_id", orgID, 1)
	if err != nil {
		return fmt.Errorf("store: seed assessment: %w", err)
	}
	formID, err := insertID(ctx, q, `INSERT INTO forms (organisation_id, key, name, repeatable, kind, position)
		VALUES ($1, $2, $3, $4, $5, $6)`, orgID, opora.DefaultAssessmentKey, "Оценка положения семьи", false,
		opora.FormKindAssessment, pos)
	if err != nil {
		return fmt.Errorf("store: seed assessment: %w", err)
	}
	// A domain's indicators go in one statement, every indicator's options
	// in one and the levels in one: a region's thousand agencies are
	// seeded at once by the generator (issue 20).
	var optArgs []any
	nOpts := 0
	for i, d := range defaultAssessmentDomains {
		secID, err := insertID(ctx, q, `INSERT INTO form_sections (organisation_id, form_id, title, position) VALUES ($1, $2, $3, $4)`,
			orgID, formID, d.title, i+1)
		if err != nil {
			return fmt.Errorf("store: seed assessment: %w", err)
		}
		if len(d.indicators) == 0 {
			continue
		}
		var args []any
		for j, label := range d.indicators {
			args = append(args, orgID, secID, label, string(opora.FieldChoice), true, j+1)
		}
		rows, err := q.QueryContext(ctx, rowsInsert("form_fields", []string{"organisation_id", "section_id", "label", "type",
			"required", "position"}, len(d.indicators))+` RETURNING id`, args...)
		if err != nil {
			return fmt.Errorf("store: seed assessment: %w", err)
		}
		for rows.Next() {
			var fieldID int64
			if err := rows.Scan(&fieldID); err != nil {
				rows.Close()
				return fmt.Errorf("store: seed assessment: %w", err)
			}
			for k, o := range defaultAssessmentScale {
				optArgs = append(optArgs, fieldID, o.label, k+1, o.score)
				nOpts++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: seed assessment: %w", err)
		}
	}
	if nOpts > 0 {
		if _, err := q.ExecContext(ctx, rowsInsert("field_options", []string{"field_id", "label", "position", "score"}, nOpts),
			optArgs...); err != nil {
			return fmt.Errorf("store: seed assessment: %w", err)
		}
	}
	var levelArgs []any
	for i, l := range defaultAssessmentLevels {
		levelArgs = append(levelArgs, orgID, formID, l.Label, l.MinScore, i+1)
	}
	if _, err := q.ExecContext(ctx, rowsInsert("assessment_levels", []string{"organisation_id", "form_id", "label", "min_score",
		"position"}, len(defaultAssessmentLevels)), levelArgs...); err != nil {
		return fmt.Errorf("store: seed assessment: %w", err)
	}
	return nil
}
