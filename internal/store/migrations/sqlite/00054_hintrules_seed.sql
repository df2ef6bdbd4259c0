-- +goose Up
-- The region's first rule hints (issue 23 item 1): early-crisis patterns
-- (a job lost, a divorce, a child's illness, housing or debts) and two
-- later ones, with the default task type keys (store/family_seed.go), the
-- agency types (opora.OrgType) and the indicator labels of the seeded
-- assessment form (store/assessment_seed.go). Methodologists edit them at
-- /admin/hints. Written only when there are no rules yet.
INSERT INTO hint_rules (difficulty, conditions, measures, source, early_crisis, disabled, version, created_at, updated_at)
SELECT r.difficulty, r.conditions, r.measures, r.source, r.early_crisis, FALSE, 1, '2026-12-06 00:00:00', '2026-12-06 00:00:00' FROM (
    SELECT 'Потеря дохода семьи: ребёнок начал пропускать занятия' AS difficulty, '[{"kind":"event","ref":"job_loss"},{"kind":"indicator","ref":"Ребёнок пропускает школу или детский сад без уважительной причины","min":1}]' AS conditions,
        '[{"task_type":"job_search","agency_type":"employment"},{"task_type":"school_attendance","agency_type":"school"},{"task_type":"benefits","agency_type":"social_protection"}]' AS measures,
        'Региональный порядок, раздел 3.2' AS source, TRUE AS early_crisis
    UNION ALL
    SELECT 'Развод родителей: ребёнку трудно в школе', '[{"kind":"event","ref":"divorce"},{"kind":"signal","ref":"school","months":6}]',
        '[{"task_type":"psychologist","agency_type":"social_service"},{"task_type":"curator_support","agency_type":"social_service"}]',
        'Региональный порядок, раздел 3.3', TRUE
    UNION ALL
    SELECT 'Болезнь ребёнка: нужны лечение и поддержка семьи', '[{"kind":"event","ref":"child_illness"}]',
        '[{"task_type":"medical_exam","agency_type":"health"},{"task_type":"treatment","agency_type":"health"},{"task_type":"benefits","agency_type":"social_protection"}]',
        'Региональный порядок, раздел 3.4', TRUE
    UNION ALL
    SELECT 'Угроза потери жилья', '[{"kind":"event","ref":"housing_loss"}]',
        '[{"task_type":"crisis_housing","agency_type":"social_service"},{"task_type":"legal_help","agency_type":"social_protection"}]',
        'Региональный порядок, раздел 3.5', TRUE
    UNION ALL
    SELECT 'Долги и нехватка денег на необходимое', '[{"kind":"event","ref":"debt"},{"kind":"indicator","ref":"Дохода семьи не хватает на еду и необходимое","min":1}]',
        '[{"task_type":"benefits","agency_type":"social_protection"},{"task_type":"material_help","agency_type":"social_service"},{"task_type":"legal_help","agency_type":"social_service"}]',
        'Региональный порядок, раздел 3.6', TRUE
    UNION ALL
    SELECT 'Зависимость взрослого угрожает уходу за ребёнком', '[{"kind":"indicator","ref":"Взрослый злоупотребляет алкоголем","min":2}]',
        '[{"task_type":"addiction_referral","agency_type":"health"},{"task_type":"parenting_school","agency_type":"social_service"}]',
        'Региональный порядок, раздел 4.1', FALSE
    UNION ALL
    SELECT 'Неуспеваемость ребёнка и сигналы из школы', '[{"kind":"indicator","ref":"Ребёнок не справляется с учёбой, родители не связываются со школой","min":2},{"kind":"signal","ref":"school","months":6}]',
        '[{"task_type":"tutor","agency_type":"school"},{"task_type":"school_attendance","agency_type":"school"},{"task_type":"parenting_school","agency_type":"social_service"}]',
        'Региональный порядок, раздел 4.2', FALSE
) r WHERE NOT EXISTS (SELECT 1 FROM hint_rules);

-- +goose Down
DELETE FROM hint_feedback WHERE hint_kind = 'rule' AND hint_ref IN (SELECT CAST(id AS TEXT) FROM hint_rules WHERE created_by IS NULL);
DELETE FROM hint_rules WHERE created_by IS NULL;
