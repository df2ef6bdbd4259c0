-- Made-up rows for the import test (no real person's data). Loaded after schema.sql.
SET NAMES utf8mb4;
INSERT INTO position (id, name) VALUES (1, 'Социальный работник');
INSERT INTO fos_user_user (id, position_id, username, username_canonical, email, email_canonical, enabled, password,
  roles, created_at, updated_at, firstname, lastname, middlename) VALUES
  (1, 1, 'ivanova', 'ivanova', 'ivanova@example.org', 'ivanova@example.org', 1, '$2y$13$notarealhash', '["ROLE_ADMIN"]',
   '2019-01-10 09:00:00', '2019-01-10 09:00:00', 'Мария', 'Иванова', 'Петровна');
INSERT INTO client (id, lastname, firstname, middlename, birth_date, birth_place, gender, is_homeless, created_at, updated_at, created_by_id) VALUES
  (101, 'Смирнов', 'Алексей', 'Викторович', '1972-03-15', 'г. Вологда', 1, 1, '2021-02-01 10:30:00', '2021-02-01 10:30:00', 1),
  (102, 'Кузнецова', 'Ольга', 'Игоревна', '1980-11-02', 'Ленинградская обл.', 2, 0, '2022-06-12 14:00:00', '2022-06-12 14:00:00', 1),
  (103, 'Ёлкин', 'Пётр', NULL, NULL, NULL, 1, 1, '2023-01-20 11:00:00', '2023-01-20 11:00:00', 1);
INSERT INTO note (id, client_id, text, important, created_at, updated_at, created_by_id) VALUES
  (201, 101, '<p>Пришёл впервые, потерял паспорт.</p>', 1, '2021-02-01 10:45:00', '2021-02-01 10:45:00', 1),
  (202, 101, 'Записан к юристу на вторник.', 0, '2021-02-03 12:00:00', '2021-02-03 12:00:00', 1),
  (203, 102, 'Ищет работу; нужна справка о регистрации.', 0, '2022-06-12 14:10:00', '2022-06-12 14:10:00', 1);
INSERT INTO service_type (id, name, pay, document, amount, comment, sort) VALUES
  (1, 'Консультация юриста', 0, 0, 0, 0, 1),
  (2, 'Стрижка', 0, 0, 0, 0, 2),
  (3, 'Выдача проездного', 0, 0, 0, 0, 3);
INSERT INTO service (id, client_id, type_id, comment, amount, created_at, updated_at, created_by_id) VALUES
  (301, 101, 1, 'Восстановление паспорта', NULL, '2021-02-09 15:00:00', '2021-02-09 15:00:00', 1),
  (302, 101, 2, NULL, NULL, '2021-03-01 11:00:00', '2021-03-01 11:00:00', 1),
  (303, 102, 1, NULL, NULL, '2022-06-20 10:00:00', '2022-06-20 10:00:00', 1),
  (304, 102, 3, NULL, NULL, '2022-06-21 10:00:00', '2022-06-21 10:00:00', 1);
INSERT INTO document_type (id, name, type) VALUES (1, 'Паспорт', 1), (2, 'Военный билет', 1), (3, 'Справка об освобождении', 1);
INSERT INTO document (id, client_id, type_id, number_prefix, number, date, issued, created_at, updated_at) VALUES
  (401, 101, 1, '4005', '123456', '2017-05-20', 'ТП №12 отдела УФМС', '2021-02-01 10:50:00', '2021-02-01 10:50:00'),
  (402, 102, 3, NULL, '77', '2021-12-01', 'ИК-5', '2022-06-12 14:20:00', '2022-06-12 14:20:00');
INSERT INTO contract_status (id, name) VALUES (1, 'В процессе выполнения'), (2, 'Выполнен');
INSERT INTO contract_item_type (id, name, short_name) VALUES (1, 'Восстановление паспорта', 'Паспорт'), (2, 'Поиск работы', 'Работа');
INSERT INTO contract (id, client_id, status_id, comment, number, date_from, date_to, created_at, updated_at, created_by_id) VALUES
  (501, 101, 1, 'Сопровождение до получения паспорта', '15/21', '2021-02-05', '2021-08-05', '2021-02-05 09:00:00', '2021-02-05 09:00:00', 1);
INSERT INTO contract_item (id, contract_id, type_id, comment, date_start, date, created_at, updated_at, created_by_id) VALUES
  (601, 501, 1, 'Запрос в ФМС', '2021-02-05', '2021-03-10', '2021-02-05 09:05:00', '2021-02-05 09:05:00', 1),
  (602, 501, 2, 'Резюме и вакансии', '2021-03-15', NULL, '2021-02-05 09:06:00', '2021-02-05 09:06:00', 1);
INSERT INTO shelter_room (id, number, max_occupants, current_occupants) VALUES (1, '12', 4, 1), (2, '7А', 2, 0);
INSERT INTO shelter_status (id, name) VALUES (1, 'Проживает'), (2, 'Выселен');
INSERT INTO shelter_history (id, room_id, client_id, status_id, contract_id, comment, date_from, date_to, created_at, updated_at) VALUES
  (701, 1, 101, 2, 501, NULL, '2021-02-05', '2021-05-30', '2021-02-05 09:10:00', '2021-05-30 18:00:00'),
  (702, 2, 103, 1, NULL, NULL, '2023-01-20', NULL, '2023-01-20 11:30:00', '2023-01-20 11:30:00');
INSERT INTO notice (id, client_id, text, date, created_at, updated_at, created_by_id) VALUES
  (801, 102, 'Позвонить насчёт справки', '2022-07-01', '2022-06-12 14:30:00', '2022-06-12 14:30:00', 1);
INSERT INTO notice_user (user_id, notice_id) VALUES (1, 801);
INSERT INTO client_field (id, name, code, enabled, type, required, multiple, sort, mandatory_for_homeless, enabled_for_homeless) VALUES
  (1, 'Образование', 'education', 1, 2, 0, 0, 1, 0, 1),
  (2, 'Профессия', 'profession', 1, 1, 0, 0, 2, 0, 1),
  (3, 'Причина бездомности', 'breadwinner', 1, 2, 0, 1, 3, 0, 1),
  (4, 'Где ночует', 'sleeps', 1, 1, 0, 0, 4, 0, 1);
INSERT INTO client_field_option (id, field_id, name, not_single, sort) VALUES
  (11, 1, 'Высшее', 0, 1), (12, 1, 'Среднее специальное', 0, 2),
  (31, 3, 'Утрата документов', 0, 1), (32, 3, 'Обманули при продаже квартиры', 0, 2);
INSERT INTO client_field_value (id, field_id, client_id, option_id, text, created_at, updated_at) VALUES
  (901, 1, 101, 11, NULL, '2021-02-01 10:40:00', '2021-02-01 10:40:00'),
  (902, 2, 101, NULL, 'Сварщик', '2021-02-01 10:40:00', '2021-02-01 10:40:00'),
  (903, 3, 101, NULL, NULL, '2021-02-01 10:40:00', '2021-02-01 10:40:00'),
  (904, 4, 101, NULL, 'На вокзале', '2021-02-01 10:40:00', '2021-02-01 10:40:00'),
  (905, 1, 102, 12, NULL, '2022-06-12 14:05:00', '2022-06-12 14:05:00');
INSERT INTO client_field_value_client_field_option (client_field_value_id, client_field_option_id) VALUES (903, 31), (903, 32);
INSERT INTO document_file (id, client_id, type_id, comment, filename, created_at, updated_at) VALUES
  (951, 101, 1, 'Скан паспорта', '5f1c0a2e9b.jpg', '2021-02-01 10:55:00', '2021-02-01 10:55:00');
UPDATE client SET photo_name = '64b7e1d2c3.png' WHERE id = 101;
