package store

import (
	"context"
	"fmt"

	"github.com/opora-project/opora/internal/opora"
)

// Default data every organisation starts with: the homeless-services
// questionnaire (DOMAIN.md), the follow-up form filled after leaving the
// shelter, and the document types dictionary. Administrators edit all of it
// afterwards; keys stay stable so reports and imports can find the fields.

// dictDocumentType is the dictionary of identity document types.
const dictDocumentType = "document_type"

type seedField struct {
	key, label, hint string
	typ              opora.FieldType
	sens             opora.Sensitivity
	required, key1   bool     // key1: a key answer shown on the profile
	options          []string // choice and multiple choice
	showIf, showOpt  string   // condition: field key and option label
	showNot          bool
}

type seedSection struct {
	title  string
	fields []seedField
}

type seedForm struct {
	key, name  string
	repeatable bool
	sections   []seedSection
}

var defaultForms = []seedForm{
	{key: opora.ProfileFormKey, name: "Анкета", sections: []seedSection{
		{"Бездомность", []seedField{
			{key: "homeless_since", label: "Бездомный с", hint: "месяц и год", typ: opora.FieldMonth, key1: true},
			{key: "homeless_reason", label: "Причина бездомности", typ: opora.FieldChoice, key1: true, options: []string{
				"Мошенничество с жильём", "Заключение", "Семейные проблемы", "Вынужденный переселенец",
				"Выселение из служебного жилья", "Переезд на заработки", "Пожар", "Выпускник детского дома",
				"Выселение за долги", "Конфликт с соседями", "Химическая зависимость", "Болезнь или травма",
				"Потеря работы", "Нечем платить за жильё", "Продал жильё", "Ограбили, обманули",
				"Утрата документов", "Обманул работодатель", "Война", "Другое"}},
			{key: "registration_place", label: "Место регистрации", typ: opora.FieldText},
			{key: "last_registration_place", label: "Последнее место регистрации", typ: opora.FieldText},
		}},
		{"Химическая зависимость", []seedField{
			{key: "dependency", label: "Химическая зависимость", typ: opora.FieldChoice, sens: opora.SensitiveAddiction, key1: true,
				options: []string{"Нет", "Алкоголь", "Наркотики", "Другое"}},
			{key: "dependency_awareness", label: "Осознание зависимости", typ: opora.FieldChoice, sens: opora.SensitiveAddiction,
				options: []string{"Осознаёт и лечится", "Осознаёт", "Не осознаёт"},
				showIf:  "dependency", showOpt: "Нет", showNot: true},
		}},
		{"Здоровье", []seedField{
			{key: "diseases", label: "Заболевания", typ: opora.FieldMultiChoice, sens: opora.SensitiveHealth, key1: true,
				options: []string{"Гепатит B", "Гепатит C", "ВИЧ", "Психиатрическое заболевание", "Туберкулёз", "Другое"}},
			{key: "disability_group", label: "Группа инвалидности", typ: opora.FieldChoice, sens: opora.SensitiveHealth,
				options: []string{"Нет", "I группа", "II группа", "III группа"}},
		}},
		{"Образование и работа", []seedField{
			{key: "education", label: "Образование", typ: opora.FieldChoice, options: []string{"Нет", "Начальное",
				"Основное общее (9 классов)", "Среднее общее (11 классов)", "Среднее профессиональное",
				"Неоконченное высшее", "Высшее"}},
			{key: "profession", label: "Профессия", typ: opora.FieldText},
			{key: "last_job", label: "Последнее место работы", typ: opora.FieldText},
			{key: "main_income", label: "Основной источник дохода", typ: opora.FieldChoice, key1: true, options: []string{
				"Постоянная работа", "Временная работа", "Пенсия, пособия", "Милостыня", "Помощь родственников",
				"Сбор бутылок, металла", "Благотворительность", "«Рабочие дома»", "Другое"}},
			{key: "pensioner", label: "Пенсионер", typ: opora.FieldChoice, options: []string{"Нет", "По возрасту",
				"По инвалидности", "По потере кормильца", "По выслуге лет", "Другое"}},
		}},
		{"Социальное положение", []seedField{
			{key: "citizenship", label: "Гражданство", typ: opora.FieldChoice, options: []string{"Россия", "Другое государство",
				"Без гражданства"}},
			{key: "marital_status", label: "Семейное положение", typ: opora.FieldChoice, options: []string{
				"Холост / не замужем", "Женат / замужем", "Гражданский брак", "Разведён(а)", "Вдовец / вдова"}},
			{key: "dependants", label: "Иждивенцы", hint: "кто и сколько", typ: opora.FieldText},
			{key: "orphanage_leaver", label: "Выпускник детского дома", typ: opora.FieldYesNo},
			{key: "was_imprisoned", label: "Был в заключении", typ: opora.FieldYesNo, sens: opora.SensitiveCriminal},
		}},
		{"Контакты", []seedField{
			{key: "contacts", label: "Контакты клиента", hint: "телефон, где найти", typ: opora.FieldLongText},
			{key: "relatives_contacts", label: "Контакты родственников", typ: opora.FieldLongText},
		}},
	}},
	{key: "follow_up", name: "Мониторинг после выхода из приюта", repeatable: true, sections: []seedSection{
		{"Положение клиента", []seedField{
			{key: "follow_up_period", label: "Срок после выхода", typ: opora.FieldChoice, required: true,
				options: []string{"3 месяца", "6 месяцев", "12 месяцев", "24 месяца"}},
			{key: "follow_up_housing", label: "Жильё", typ: opora.FieldChoice, options: []string{"Своё жильё", "Съёмное жильё",
				"Комната или койко-место", "Приют, социальная гостиница", "Улица", "Другое"}},
			{key: "follow_up_work", label: "Работа", typ: opora.FieldChoice, options: []string{"Постоянная работа",
				"Временная работа", "Не работает"}},
			{key: "follow_up_income", label: "Доход", hint: "источник и размер", typ: opora.FieldText},
			{key: "follow_up_documents", label: "Документы", typ: opora.FieldChoice, options: []string{"Все документы есть",
				"Часть документов", "Документов нет"}},
			{key: "follow_up_health", label: "Состояние здоровья", typ: opora.FieldLongText, sens: opora.SensitiveHealth},
			{key: "follow_up_comment", label: "Комментарий", typ: opora.FieldLongText},
		}},
	}},
}

// defaultDocumentTypes are the identity document types (key, label).
var defaultDocumentTypes = [][2]string{
	{"passport", "Паспорт РФ"},
	{"birth_certificate", "Свидетельство о рождении"},
	{"military_id", "Военный билет"},
	{"temporary_id", "Временное удостоверение личности"},
	{"registration_certificate", "Свидетельство о регистрации"},
	{"foreign_passport", "Заграничный паспорт"},
	{"release_certificate", "Справка об освобождении"},
	{"residence_permit", "Вид на жительство"},
	{"ussr_passport", "Паспорт СССР"},
	{"identity_certificate", "Заключение об установлении личности"},
	{"death_certificate", "Свидетельство о смерти"},
	{"from_words", "Со слов"},
}

// seedOrganisation gives an organisation the default questionnaire, the
// follow-up form and the document types. It is idempotent: forms are seeded
// only when the organisation has no main questionnaire, document types only
// when it has none. createOrganisation runs it through runOrgSeeders.
func (s *Store) seedOrganisation(ctx context.Context, q queryer, orgID int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM forms WHERE organisation_id = $1 AND key = $2`,
		orgID, opora.ProfileFormKey).Scan(&n); err != nil {
		return fmt.Errorf("store: seed forms: %w", err)
	}
	if n == 0 {
		for i, f := range defaultForms {
			if err := seedOneForm(ctx, q, orgID, i+1, f); err != nil {
				return err
			}
		}
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dictionary_items WHERE organisation_id = $1 AND dictionary = $2`,
		orgID, dictDocumentType).Scan(&n); err != nil {
		return fmt.Errorf("store: seed document types: %w", err)
	}
	if n == 0 {
		var args []any
		for i, it := range defaultDocumentTypes {
			args = append(args, orgID, dictDocumentType, it[0], it[1], i+1)
		}
		if _, err := q.ExecContext(ctx, rowsInsert("dictionary_items", []string{"organisation_id", "dictionary", "key", "label", "position"}, len(defaultDocumentTypes)),
			args...); err != nil {
			return fmt.Errorf("store: seed document types: %w", err)
		}
	}
	return nil
}

func seedOneForm(ctx context.Context, q queryer, orgID int64, position int, f seedForm) error {
	formID, err := insertID(ctx, q, `INSERT INTO forms (organisation_id, key, name, repeatable, position) VALUES ($1, $2, $3, $4, $5)`,
		orgID, f.key, f.name, f.repeatable, position)
	if err != nil {
		return fmt.Errorf("store: seed form: %w", err)
	}
	// A section's fields go in one statement and the form's options in
	// another (each returning the ids the conditions need): an
	// organisation's creation is a few dozen round trips, not hundreds
	// (issue 20: 1,526 organisations of a region on PostgreSQL).
	fieldIDs := map[string]int64{}
	optionIDs := map[string]map[string]int64{}
	fieldByID := map[int64]*seedField{}
	var optArgs []any
	nOpts := 0
	for si, sec := range f.sections {
		secID, err := insertID(ctx, q, `INSERT INTO form_sections (organisation_id, form_id, title, position) VALUES ($1, $2, $3, $4)`,
			orgID, formID, sec.title, si+1)
		if err != nil {
			return fmt.Errorf("store: seed section: %w", err)
		}
		if len(sec.fields) == 0 {
			continue
		}
		var args []any
		for fi, x := range sec.fields {
			args = append(args, orgID, secID, x.key, x.label, x.hint, string(x.typ), x.required, fi+1, string(x.sens), x.key1)
		}
		rows, err := q.QueryContext(ctx, rowsInsert("form_fields", []string{"organisation_id", "section_id", "key", "label", "hint",
			"type", "required", "position", "sensitivity", "key_answer"}, len(sec.fields))+` RETURNING id, key`, args...)
		if err != nil {
			return fmt.Errorf("store: seed fields: %w", err)
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return fmt.Errorf("store: seed fields: %w", err)
			}
			fieldIDs[key] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: seed fields: %w", err)
		}
		for i := range sec.fields {
			x := &sec.fields[i]
			id := fieldIDs[x.key]
			fieldByID[id] = x
			optionIDs[x.key] = map[string]int64{}
			for oi, label := range x.options {
				optArgs = append(optArgs, id, label, oi+1)
				nOpts++
			}
		}
	}
	if nOpts > 0 {
		rows, err := q.QueryContext(ctx, rowsInsert("field_options", []string{"field_id", "label", "position"}, nOpts)+
			` RETURNING id, field_id, label`, optArgs...)
		if err != nil {
			return fmt.Errorf("store: seed options: %w", err)
		}
		for rows.Next() {
			var id, fieldID int64
			var label string
			if err := rows.Scan(&id, &fieldID, &label); err != nil {
				rows.Close()
				return fmt.Errorf("store: seed options: %w", err)
			}
			optionIDs[fieldByID[fieldID].key][label] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: seed options: %w", err)
		}
	}
	for _, sec := range f.sections {
		for _, x := range sec.fields {
			if x.showIf == "" {
				continue
			}
			if _, err := q.ExecContext(ctx, `UPDATE form_fields SET show_if_field_id = $1, show_if_option_id = $2, show_if_not = $3
				WHERE id = $4`, fieldIDs[x.showIf], optionIDs[x.showIf][x.showOpt], x.showNot, fieldIDs[x.key]); err != nil {
				return fmt.Errorf("store: seed condition: %w", err)
			}
		}
	}
	return nil
}

// SeedMissing gives every existing organisation the default data it lacks
// (organisations created before a feature existed). Migrate runs it at the
// end; it is safe to run again.
func (s *Store) SeedMissing(ctx context.Context) error { return s.seedAllOrganisations(ctx) }
