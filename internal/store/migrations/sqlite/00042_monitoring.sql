-- +goose Up
-- Monitoring (issue 21 item 8): the КДН secretary sees the monitoring of
-- the municipality and the agency head of the agency, so their built-in
-- roles run and export reports (opora.FamilyRoles for new organisations).
INSERT INTO role_permissions (role_id, permission)
SELECT r.id, p.permission FROM roles r
CROSS JOIN (SELECT 'report.run' AS permission UNION ALL SELECT 'report.export') p
WHERE r.builtin AND r.key IN ('kdn_secretary', 'agency_head')
AND NOT EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.role_id = r.id AND rp.permission = p.permission);

-- +goose Down
DELETE FROM role_permissions WHERE permission IN ('report.run', 'report.export')
AND role_id IN (SELECT id FROM roles WHERE builtin AND key IN ('kdn_secretary', 'agency_head'));
