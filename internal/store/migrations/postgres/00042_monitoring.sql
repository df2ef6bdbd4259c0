-- +goose Up
-- Monitoring (issue 21 item 8): the КДН secretary sees the monitoring of
-- the municipality and the agency head of the agency, so their built-in
-- roles run and export reports (opora.FamilyRoles for new organisations).
INSERT INTO role_permissions (role_id, permission)
SELECT r.id, p.permission FROM roles r
CROSS JOIN (SELECT 'report.run' AS permission UNION ALL SELECT 'report.export') p
WHERE r.builtin AND r.key IN ('kdn_secretary', 'agency_head')
AND NOT EXISTS (SELECT 1 FROM role_permissions rp WHERE rp.role_id = r.id AND rp.permission = p.permission);

-- The monitoring's first signal of a family and the gaps between a
-- family's signals read the signals in this order.
CREATE INDEX signals_family_received ON signals(family_id, received_at);

-- +goose Down
DROP INDEX signals_family_received;
DELETE FROM role_permissions WHERE permission IN ('report.run', 'report.export')
AND role_id IN (SELECT id FROM roles WHERE builtin AND key IN ('kdn_secretary', 'agency_head'));
