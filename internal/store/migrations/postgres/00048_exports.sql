-- +goose Up
-- Exports under control (issue 22 item 7): report.export becomes two
-- permissions, export.aggregate (files of counts and sums) and
-- export.identifiable (lists that name people, asked for with a stated
-- purpose). A role that could export keeps every export it had.
INSERT INTO role_permissions (role_id, permission)
SELECT rp.role_id, p.permission FROM role_permissions rp
CROSS JOIN (SELECT 'export.aggregate' AS permission UNION ALL SELECT 'export.identifiable') p
WHERE rp.permission = 'report.export'
AND NOT EXISTS (SELECT 1 FROM role_permissions x WHERE x.role_id = rp.role_id AND x.permission = p.permission);
DELETE FROM role_permissions WHERE permission = 'report.export';

-- +goose Down
INSERT INTO role_permissions (role_id, permission)
SELECT DISTINCT rp.role_id, 'report.export' FROM role_permissions rp
WHERE rp.permission IN ('export.aggregate', 'export.identifiable')
AND NOT EXISTS (SELECT 1 FROM role_permissions x WHERE x.role_id = rp.role_id AND x.permission = 'report.export');
DELETE FROM role_permissions WHERE permission IN ('export.aggregate', 'export.identifiable');
