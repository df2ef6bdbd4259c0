-- МКС (homeless, v2.20) schema: the DDL of its Doctrine migrations, replayed in order.
SET NAMES utf8mb4;
SET FOREIGN_KEY_CHECKS=0;
-- Version20180408112154
CREATE TABLE fos_user_user (id INT AUTO_INCREMENT NOT NULL, position_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, username VARCHAR(255) NOT NULL, username_canonical VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL, email_canonical VARCHAR(255) NOT NULL, enabled TINYINT(1) NOT NULL, salt VARCHAR(255) NOT NULL, password VARCHAR(255) NOT NULL, last_login DATETIME DEFAULT NULL, locked TINYINT(1) NOT NULL, expired TINYINT(1) NOT NULL, expires_at DATETIME DEFAULT NULL, confirmation_token VARCHAR(255) DEFAULT NULL, password_requested_at DATETIME DEFAULT NULL, roles LONGTEXT NOT NULL COMMENT '(DC2Type:array)', credentials_expired TINYINT(1) NOT NULL, credentials_expire_at DATETIME DEFAULT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, date_of_birth DATETIME DEFAULT NULL, firstname VARCHAR(64) DEFAULT NULL, lastname VARCHAR(64) DEFAULT NULL, website VARCHAR(64) DEFAULT NULL, biography VARCHAR(1000) DEFAULT NULL, gender VARCHAR(1) DEFAULT NULL, locale VARCHAR(8) DEFAULT NULL, timezone VARCHAR(64) DEFAULT NULL, phone VARCHAR(64) DEFAULT NULL, facebook_uid VARCHAR(255) DEFAULT NULL, facebook_name VARCHAR(255) DEFAULT NULL, facebook_data LONGTEXT DEFAULT NULL COMMENT '(DC2Type:json)', twitter_uid VARCHAR(255) DEFAULT NULL, twitter_name VARCHAR(255) DEFAULT NULL, twitter_data LONGTEXT DEFAULT NULL COMMENT '(DC2Type:json)', gplus_uid VARCHAR(255) DEFAULT NULL, gplus_name VARCHAR(255) DEFAULT NULL, gplus_data LONGTEXT DEFAULT NULL COMMENT '(DC2Type:json)', token VARCHAR(255) DEFAULT NULL, two_step_code VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, middlename VARCHAR(255) DEFAULT NULL, proxy_date DATE DEFAULT NULL, proxy_num VARCHAR(255) DEFAULT NULL, passport LONGTEXT DEFAULT NULL, UNIQUE INDEX UNIQ_C560D76192FC23A8 (username_canonical), UNIQUE INDEX UNIQ_C560D761A0D96FBF (email_canonical), INDEX IDX_C560D761DD842E46 (position_id), INDEX IDX_C560D761B03A8386 (created_by_id), INDEX IDX_C560D761896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE notice_user (user_id INT NOT NULL, notice_id INT NOT NULL, INDEX IDX_DFD1E3B8A76ED395 (user_id), UNIQUE INDEX UNIQ_DFD1E3B87D540AB (notice_id), PRIMARY KEY(user_id, notice_id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE fos_user_user_group (user_id INT NOT NULL, group_id INT NOT NULL, INDEX IDX_B3C77447A76ED395 (user_id), INDEX IDX_B3C77447FE54D947 (group_id), PRIMARY KEY(user_id, group_id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE fos_user_group (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) NOT NULL, roles LONGTEXT NOT NULL COMMENT '(DC2Type:array)', sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, code VARCHAR(255) DEFAULT NULL, UNIQUE INDEX UNIQ_583D1F3E5E237E06 (name), INDEX IDX_583D1F3EB03A8386 (created_by_id), INDEX IDX_583D1F3E896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE viewed_client (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_74C641DB19EB6921 (client_id), INDEX IDX_74C641DBB03A8386 (created_by_id), INDEX IDX_74C641DB896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE position (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_462CE4F5B03A8386 (created_by_id), INDEX IDX_462CE4F5896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE notice (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, text LONGTEXT DEFAULT NULL, date DATE DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_480D45C219EB6921 (client_id), INDEX IDX_480D45C2B03A8386 (created_by_id), INDEX IDX_480D45C2896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client_field_option (id INT AUTO_INCREMENT NOT NULL, field_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, not_single TINYINT(1) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_C1C82EB3443707B0 (field_id), INDEX IDX_C1C82EB3B03A8386 (created_by_id), INDEX IDX_C1C82EB3896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE shelter_history (id INT AUTO_INCREMENT NOT NULL, room_id INT DEFAULT NULL, client_id INT DEFAULT NULL, status_id INT DEFAULT NULL, contract_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, comment LONGTEXT DEFAULT NULL, diphtheria_vaccination_date DATE DEFAULT NULL, fluorography_date DATE DEFAULT NULL, hepatitis_vaccination_date DATE DEFAULT NULL, typhus_vaccination_date DATE DEFAULT NULL, date_from DATE DEFAULT NULL, date_to DATE DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_D04221A054177093 (room_id), INDEX IDX_D04221A019EB6921 (client_id), INDEX IDX_D04221A06BF700BD (status_id), INDEX IDX_D04221A02576E0FD (contract_id), INDEX IDX_D04221A0B03A8386 (created_by_id), INDEX IDX_D04221A0896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE shelter_status (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_E106D388B03A8386 (created_by_id), INDEX IDX_E106D388896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE generated_document_start_text (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, code VARCHAR(255) DEFAULT NULL, text LONGTEXT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_D15AEC56B03A8386 (created_by_id), INDEX IDX_D15AEC56896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client (id INT AUTO_INCREMENT NOT NULL, last_residence_district_id INT DEFAULT NULL, last_registration_district_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, photo_name VARCHAR(255) DEFAULT NULL, birth_date DATE DEFAULT NULL, birth_place VARCHAR(255) DEFAULT NULL, gender INT DEFAULT NULL, firstname VARCHAR(255) DEFAULT NULL, middlename VARCHAR(255) DEFAULT NULL, lastname VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_C7440455E563C280 (last_residence_district_id), INDEX IDX_C744045560012056 (last_registration_district_id), INDEX IDX_C7440455B03A8386 (created_by_id), INDEX IDX_C7440455896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE certificate_type (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, downloadable TINYINT(1) DEFAULT NULL, show_photo TINYINT(1) DEFAULT NULL, show_date TINYINT(1) DEFAULT NULL, content_header_left LONGTEXT DEFAULT NULL, content_header_right LONGTEXT DEFAULT NULL, content_body_right LONGTEXT DEFAULT NULL, content_footer LONGTEXT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_F2C76A50B03A8386 (created_by_id), INDEX IDX_F2C76A50896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE document (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, type_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, address VARCHAR(255) DEFAULT NULL, city VARCHAR(255) DEFAULT NULL, date DATE DEFAULT NULL, number VARCHAR(255) DEFAULT NULL, number_prefix VARCHAR(255) DEFAULT NULL, registration INT DEFAULT NULL, issued VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_D8698A7619EB6921 (client_id), INDEX IDX_D8698A76C54C8C93 (type_id), INDEX IDX_D8698A76B03A8386 (created_by_id), INDEX IDX_D8698A76896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client_field (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, code VARCHAR(255) DEFAULT NULL, enabled TINYINT(1) DEFAULT NULL, type INT DEFAULT NULL, required TINYINT(1) DEFAULT NULL, multiple TINYINT(1) DEFAULT NULL, description VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_F898D9EFB03A8386 (created_by_id), INDEX IDX_F898D9EF896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE contract_item (id INT AUTO_INCREMENT NOT NULL, contract_id INT DEFAULT NULL, type_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, comment LONGTEXT DEFAULT NULL, date_start DATE DEFAULT NULL, date DATE DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_776E6B762576E0FD (contract_id), INDEX IDX_776E6B76C54C8C93 (type_id), INDEX IDX_776E6B76B03A8386 (created_by_id), INDEX IDX_776E6B76896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE certificate (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, type_id INT DEFAULT NULL, document_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, city VARCHAR(255) DEFAULT NULL, number VARCHAR(255) DEFAULT NULL, date_from DATE DEFAULT NULL, date_to DATE DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_219CDA4A19EB6921 (client_id), INDEX IDX_219CDA4AC54C8C93 (type_id), INDEX IDX_219CDA4AC33F7837 (document_id), INDEX IDX_219CDA4AB03A8386 (created_by_id), INDEX IDX_219CDA4A896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE history_download (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, user_id INT DEFAULT NULL, certificate_type_id INT DEFAULT NULL, date DATETIME NOT NULL, INDEX IDX_38E1EE3A19EB6921 (client_id), INDEX IDX_38E1EE3AA76ED395 (user_id), INDEX IDX_38E1EE3A90EF3F4C (certificate_type_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE note (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, text LONGTEXT DEFAULT NULL, important TINYINT(1) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_CFBDFA1419EB6921 (client_id), INDEX IDX_CFBDFA14B03A8386 (created_by_id), INDEX IDX_CFBDFA14896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client_field_value (id INT AUTO_INCREMENT NOT NULL, field_id INT DEFAULT NULL, client_id INT DEFAULT NULL, option_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, text LONGTEXT DEFAULT NULL, datetime DATETIME DEFAULT NULL, filename VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_379BEBF4443707B0 (field_id), INDEX IDX_379BEBF419EB6921 (client_id), INDEX IDX_379BEBF4A7C41D6F (option_id), INDEX IDX_379BEBF4B03A8386 (created_by_id), INDEX IDX_379BEBF4896DBBDE (updated_by_id), UNIQUE INDEX value_unique (field_id, client_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client_field_value_client_field_option (client_field_value_id INT NOT NULL, client_field_option_id INT NOT NULL, INDEX IDX_687F3075EDB7EE0 (client_field_value_id), INDEX IDX_687F30753FE1C616 (client_field_option_id), PRIMARY KEY(client_field_value_id, client_field_option_id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE contract (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, status_id INT DEFAULT NULL, document_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, comment LONGTEXT DEFAULT NULL, number VARCHAR(255) DEFAULT NULL, date_from DATE DEFAULT NULL, date_to DATE DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_E98F285919EB6921 (client_id), INDEX IDX_E98F28596BF700BD (status_id), INDEX IDX_E98F2859C33F7837 (document_id), INDEX IDX_E98F2859B03A8386 (created_by_id), INDEX IDX_E98F2859896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE service (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, type_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, comment LONGTEXT DEFAULT NULL, amount INT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_E19D9AD219EB6921 (client_id), INDEX IDX_E19D9AD2C54C8C93 (type_id), INDEX IDX_E19D9AD2B03A8386 (created_by_id), INDEX IDX_E19D9AD2896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE history (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_27BA704B19EB6921 (client_id), INDEX IDX_27BA704BB03A8386 (created_by_id), INDEX IDX_27BA704B896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE document_type (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, type INT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_2B6ADBBAB03A8386 (created_by_id), INDEX IDX_2B6ADBBA896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE generated_document_end_text (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, code VARCHAR(255) DEFAULT NULL, text LONGTEXT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_1FC324CEB03A8386 (created_by_id), INDEX IDX_1FC324CE896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE region (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, short_name VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_F62F176B03A8386 (created_by_id), INDEX IDX_F62F176896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE generated_document_type (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, code VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_73820995B03A8386 (created_by_id), INDEX IDX_73820995896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE service_type (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, pay TINYINT(1) DEFAULT NULL, document TINYINT(1) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_429DE3C5B03A8386 (created_by_id), INDEX IDX_429DE3C5896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE district (id INT AUTO_INCREMENT NOT NULL, region_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_31C1548798260155 (region_id), INDEX IDX_31C15487B03A8386 (created_by_id), INDEX IDX_31C15487896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE document_file (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, type_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, comment LONGTEXT DEFAULT NULL, filename VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_2B2BBA8319EB6921 (client_id), INDEX IDX_2B2BBA83C54C8C93 (type_id), INDEX IDX_2B2BBA83B03A8386 (created_by_id), INDEX IDX_2B2BBA83896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE contract_status (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_47408051B03A8386 (created_by_id), INDEX IDX_47408051896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE menu_item (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, code VARCHAR(255) DEFAULT NULL, enabled TINYINT(1) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, UNIQUE INDEX UNIQ_D754D55077153098 (code), INDEX IDX_D754D550B03A8386 (created_by_id), INDEX IDX_D754D550896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE shelter_room (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, number VARCHAR(255) DEFAULT NULL, max_occupants INT DEFAULT NULL, current_occupants INT DEFAULT NULL, comment LONGTEXT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_1169D9EDB03A8386 (created_by_id), INDEX IDX_1169D9ED896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE generated_document (id INT AUTO_INCREMENT NOT NULL, client_id INT DEFAULT NULL, type_id INT DEFAULT NULL, start_text_id INT DEFAULT NULL, end_text_id INT DEFAULT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, number VARCHAR(255) DEFAULT NULL, text LONGTEXT DEFAULT NULL, whom LONGTEXT DEFAULT NULL, signature LONGTEXT DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_98C8BDCF19EB6921 (client_id), INDEX IDX_98C8BDCFC54C8C93 (type_id), INDEX IDX_98C8BDCF9948699B (start_text_id), INDEX IDX_98C8BDCFFC4264A1 (end_text_id), INDEX IDX_98C8BDCFB03A8386 (created_by_id), INDEX IDX_98C8BDCF896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE contract_item_type (id INT AUTO_INCREMENT NOT NULL, created_by_id INT DEFAULT NULL, updated_by_id INT DEFAULT NULL, name VARCHAR(255) DEFAULT NULL, short_name VARCHAR(255) DEFAULT NULL, sync_id INT DEFAULT NULL, sort INT DEFAULT NULL, created_at DATETIME DEFAULT NULL, updated_at DATETIME DEFAULT NULL, INDEX IDX_69794B44B03A8386 (created_by_id), INDEX IDX_69794B44896DBBDE (updated_by_id), PRIMARY KEY(id)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
ALTER TABLE fos_user_user ADD CONSTRAINT FK_C560D761DD842E46 FOREIGN KEY (position_id) REFERENCES position (id);
ALTER TABLE fos_user_user ADD CONSTRAINT FK_C560D761B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE fos_user_user ADD CONSTRAINT FK_C560D761896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE notice_user ADD CONSTRAINT FK_DFD1E3B8A76ED395 FOREIGN KEY (user_id) REFERENCES fos_user_user (id);
ALTER TABLE notice_user ADD CONSTRAINT FK_DFD1E3B87D540AB FOREIGN KEY (notice_id) REFERENCES notice (id);
ALTER TABLE fos_user_user_group ADD CONSTRAINT FK_B3C77447A76ED395 FOREIGN KEY (user_id) REFERENCES fos_user_user (id) ON DELETE CASCADE;
ALTER TABLE fos_user_user_group ADD CONSTRAINT FK_B3C77447FE54D947 FOREIGN KEY (group_id) REFERENCES fos_user_group (id) ON DELETE CASCADE;
ALTER TABLE fos_user_group ADD CONSTRAINT FK_583D1F3EB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE fos_user_group ADD CONSTRAINT FK_583D1F3E896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE viewed_client ADD CONSTRAINT FK_74C641DB19EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE viewed_client ADD CONSTRAINT FK_74C641DBB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE viewed_client ADD CONSTRAINT FK_74C641DB896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE position ADD CONSTRAINT FK_462CE4F5B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE position ADD CONSTRAINT FK_462CE4F5896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE notice ADD CONSTRAINT FK_480D45C219EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE notice ADD CONSTRAINT FK_480D45C2B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE notice ADD CONSTRAINT FK_480D45C2896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_field_option ADD CONSTRAINT FK_C1C82EB3443707B0 FOREIGN KEY (field_id) REFERENCES client_field (id);
ALTER TABLE client_field_option ADD CONSTRAINT FK_C1C82EB3B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_field_option ADD CONSTRAINT FK_C1C82EB3896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A054177093 FOREIGN KEY (room_id) REFERENCES shelter_room (id);
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A019EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A06BF700BD FOREIGN KEY (status_id) REFERENCES shelter_status (id);
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A02576E0FD FOREIGN KEY (contract_id) REFERENCES contract (id);
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A0B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A0896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE shelter_status ADD CONSTRAINT FK_E106D388B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE shelter_status ADD CONSTRAINT FK_E106D388896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document_start_text ADD CONSTRAINT FK_D15AEC56B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document_start_text ADD CONSTRAINT FK_D15AEC56896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client ADD CONSTRAINT FK_C7440455E563C280 FOREIGN KEY (last_residence_district_id) REFERENCES district (id);
ALTER TABLE client ADD CONSTRAINT FK_C744045560012056 FOREIGN KEY (last_registration_district_id) REFERENCES district (id);
ALTER TABLE client ADD CONSTRAINT FK_C7440455B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client ADD CONSTRAINT FK_C7440455896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE certificate_type ADD CONSTRAINT FK_F2C76A50B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE certificate_type ADD CONSTRAINT FK_F2C76A50896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE document ADD CONSTRAINT FK_D8698A7619EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE document ADD CONSTRAINT FK_D8698A76C54C8C93 FOREIGN KEY (type_id) REFERENCES document_type (id);
ALTER TABLE document ADD CONSTRAINT FK_D8698A76B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE document ADD CONSTRAINT FK_D8698A76896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_field ADD CONSTRAINT FK_F898D9EFB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_field ADD CONSTRAINT FK_F898D9EF896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE contract_item ADD CONSTRAINT FK_776E6B762576E0FD FOREIGN KEY (contract_id) REFERENCES contract (id);
ALTER TABLE contract_item ADD CONSTRAINT FK_776E6B76C54C8C93 FOREIGN KEY (type_id) REFERENCES contract_item_type (id);
ALTER TABLE contract_item ADD CONSTRAINT FK_776E6B76B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE contract_item ADD CONSTRAINT FK_776E6B76896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE certificate ADD CONSTRAINT FK_219CDA4A19EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE certificate ADD CONSTRAINT FK_219CDA4AC54C8C93 FOREIGN KEY (type_id) REFERENCES certificate_type (id);
ALTER TABLE certificate ADD CONSTRAINT FK_219CDA4AC33F7837 FOREIGN KEY (document_id) REFERENCES document (id);
ALTER TABLE certificate ADD CONSTRAINT FK_219CDA4AB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE certificate ADD CONSTRAINT FK_219CDA4A896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE history_download ADD CONSTRAINT FK_38E1EE3A19EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE history_download ADD CONSTRAINT FK_38E1EE3AA76ED395 FOREIGN KEY (user_id) REFERENCES fos_user_user (id);
ALTER TABLE history_download ADD CONSTRAINT FK_38E1EE3A90EF3F4C FOREIGN KEY (certificate_type_id) REFERENCES certificate_type (id);
ALTER TABLE note ADD CONSTRAINT FK_CFBDFA1419EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE note ADD CONSTRAINT FK_CFBDFA14B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE note ADD CONSTRAINT FK_CFBDFA14896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_field_value ADD CONSTRAINT FK_379BEBF4443707B0 FOREIGN KEY (field_id) REFERENCES client_field (id);
ALTER TABLE client_field_value ADD CONSTRAINT FK_379BEBF419EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE client_field_value ADD CONSTRAINT FK_379BEBF4A7C41D6F FOREIGN KEY (option_id) REFERENCES client_field_option (id);
ALTER TABLE client_field_value ADD CONSTRAINT FK_379BEBF4B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_field_value ADD CONSTRAINT FK_379BEBF4896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_field_value_client_field_option ADD CONSTRAINT FK_687F3075EDB7EE0 FOREIGN KEY (client_field_value_id) REFERENCES client_field_value (id) ON DELETE CASCADE;
ALTER TABLE client_field_value_client_field_option ADD CONSTRAINT FK_687F30753FE1C616 FOREIGN KEY (client_field_option_id) REFERENCES client_field_option (id) ON DELETE CASCADE;
ALTER TABLE contract ADD CONSTRAINT FK_E98F285919EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE contract ADD CONSTRAINT FK_E98F28596BF700BD FOREIGN KEY (status_id) REFERENCES contract_status (id);
ALTER TABLE contract ADD CONSTRAINT FK_E98F2859C33F7837 FOREIGN KEY (document_id) REFERENCES document (id);
ALTER TABLE contract ADD CONSTRAINT FK_E98F2859B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE contract ADD CONSTRAINT FK_E98F2859896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE service ADD CONSTRAINT FK_E19D9AD219EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE service ADD CONSTRAINT FK_E19D9AD2C54C8C93 FOREIGN KEY (type_id) REFERENCES service_type (id);
ALTER TABLE service ADD CONSTRAINT FK_E19D9AD2B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE service ADD CONSTRAINT FK_E19D9AD2896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE history ADD CONSTRAINT FK_27BA704B19EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE history ADD CONSTRAINT FK_27BA704BB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE history ADD CONSTRAINT FK_27BA704B896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE document_type ADD CONSTRAINT FK_2B6ADBBAB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE document_type ADD CONSTRAINT FK_2B6ADBBA896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document_end_text ADD CONSTRAINT FK_1FC324CEB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document_end_text ADD CONSTRAINT FK_1FC324CE896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE region ADD CONSTRAINT FK_F62F176B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE region ADD CONSTRAINT FK_F62F176896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document_type ADD CONSTRAINT FK_73820995B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document_type ADD CONSTRAINT FK_73820995896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE service_type ADD CONSTRAINT FK_429DE3C5B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE service_type ADD CONSTRAINT FK_429DE3C5896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE district ADD CONSTRAINT FK_31C1548798260155 FOREIGN KEY (region_id) REFERENCES region (id);
ALTER TABLE district ADD CONSTRAINT FK_31C15487B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE district ADD CONSTRAINT FK_31C15487896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE document_file ADD CONSTRAINT FK_2B2BBA8319EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE document_file ADD CONSTRAINT FK_2B2BBA83C54C8C93 FOREIGN KEY (type_id) REFERENCES document_type (id);
ALTER TABLE document_file ADD CONSTRAINT FK_2B2BBA83B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE document_file ADD CONSTRAINT FK_2B2BBA83896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE contract_status ADD CONSTRAINT FK_47408051B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE contract_status ADD CONSTRAINT FK_47408051896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE menu_item ADD CONSTRAINT FK_D754D550B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE menu_item ADD CONSTRAINT FK_D754D550896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE shelter_room ADD CONSTRAINT FK_1169D9EDB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE shelter_room ADD CONSTRAINT FK_1169D9ED896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCF19EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCFC54C8C93 FOREIGN KEY (type_id) REFERENCES generated_document_type (id);
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCF9948699B FOREIGN KEY (start_text_id) REFERENCES generated_document_start_text (id);
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCFFC4264A1 FOREIGN KEY (end_text_id) REFERENCES generated_document_end_text (id);
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCFB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCF896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE contract_item_type ADD CONSTRAINT FK_69794B44B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE contract_item_type ADD CONSTRAINT FK_69794B44896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
-- Version20181112122365
ALTER TABLE fos_user_user ADD position_text varchar(64) NULL;
-- Version20181115102310
alter table client add is_homeless int(1) default 0 not null;
-- Version20181202223922
alter table client_field add mandatory_for_homeless int(1) default 0 not null;
-- Version20181203012632
-- Version20181203012633
create table resident_questionnaire
(
	id int auto_increment,
	client_id int not null,
	type_id int not null,
	is_dwelling int(1) null,
	room_type_id int null,
	is_work int(1) null,
	is_work_official int(1) null,
	is_work_constant int(1) null,
	changed_jobs_count_id int null,
	reason_for_transition_ids varchar(64) null,
	reason_for_petition_ids varchar(64) null,
	constraint resident_questionnaire_pk
		primary key (id),
	constraint resident_questionnaire_client_id_fk
		foreign key (client_id) references client (id)
			on update cascade on delete cascade
);
-- Version20181203190521
-- Version20181206102354
alter table client alter column is_homeless set default 1;
-- Version20181211161647
alter table client_field
	add enabled_for_homeless tinyint(1) default 0 null;
-- Version20190712163831
alter table client_field_option drop foreign key FK_C1C82EB3443707B0;
alter table client_field_option add constraint FK_C1C82EB3443707B0 foreign key (field_id) references client_field (id) on delete cascade;
alter table client_field_value drop foreign key FK_379BEBF4443707B0;
alter table client_field_value add constraint FK_379BEBF4443707B0 foreign key (field_id) references client_field (id) on delete cascade;
-- Version20190712163832
-- Version20191113055456
CREATE TABLE client_form_response_value (
                id INT AUTO_INCREMENT NOT NULL,
                client_form_response_id INT NOT NULL,
                client_form_field_id INT NOT NULL,
                client_id INT NOT NULL,
                created_by_id INT DEFAULT NULL,
                updated_by_id INT DEFAULT NULL,
                value LONGTEXT NOT NULL,
                sync_id INT DEFAULT NULL,
                sort INT DEFAULT NULL,
                created_at DATETIME DEFAULT NULL,
                updated_at DATETIME DEFAULT NULL,
                INDEX IDX_A619F21128513DAA (client_form_response_id),
                INDEX IDX_A619F21182BBB8C0 (client_form_field_id),
                INDEX IDX_A619F21119EB6921 (client_id),
                INDEX IDX_A619F211B03A8386 (created_by_id),
                INDEX IDX_A619F211896DBBDE (updated_by_id),
                INDEX client_field_idx (client_id, client_form_field_id),
                UNIQUE INDEX client_form_response_uniq (client_form_response_id, client_form_field_id),
                PRIMARY KEY(id)
            ) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client_form (
                id INT AUTO_INCREMENT NOT NULL,
                created_by_id INT DEFAULT NULL,
                updated_by_id INT DEFAULT NULL,
                name VARCHAR(255) NOT NULL,
                sync_id INT DEFAULT NULL,
                sort INT DEFAULT NULL,
                created_at DATETIME DEFAULT NULL,
                updated_at DATETIME DEFAULT NULL,
                INDEX IDX_83143E2DB03A8386 (created_by_id),
                INDEX IDX_83143E2D896DBBDE (updated_by_id),
                PRIMARY KEY(id)
            ) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client_form_field (
                id INT AUTO_INCREMENT NOT NULL,
                form_id INT NOT NULL,
                created_by_id INT DEFAULT NULL,
                updated_by_id INT DEFAULT NULL,
                name VARCHAR(255) NOT NULL,
                type INT NOT NULL,
                options LONGTEXT DEFAULT NULL,
                flags LONGTEXT DEFAULT NULL COMMENT '(DC2Type:simple_array)',
                sync_id INT DEFAULT NULL,
                sort INT DEFAULT NULL,
                created_at DATETIME DEFAULT NULL,
                updated_at DATETIME DEFAULT NULL,
                INDEX IDX_48E6DCDA5FF69B7D (form_id),
                INDEX IDX_48E6DCDAB03A8386 (created_by_id),
                INDEX IDX_48E6DCDA896DBBDE (updated_by_id),
                PRIMARY KEY(id)
            ) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
CREATE TABLE client_form_response (
                id INT AUTO_INCREMENT NOT NULL,
                client_id INT NOT NULL,
                form_id INT NOT NULL,
                created_by_id INT DEFAULT NULL,
                updated_by_id INT DEFAULT NULL,
                resident_questionnaire_id INT DEFAULT NULL,
                sync_id INT DEFAULT NULL,
                sort INT DEFAULT NULL,
                created_at DATETIME DEFAULT NULL,
                updated_at DATETIME DEFAULT NULL,
                UNIQUE INDEX UNIQ_F8F7B48B60D093B1 (resident_questionnaire_id),
                INDEX IDX_F8F7B48B19EB6921 (client_id),
                INDEX IDX_F8F7B48B5FF69B7D (form_id),
                INDEX IDX_F8F7B48BB03A8386 (created_by_id),
                INDEX IDX_F8F7B48B896DBBDE (updated_by_id),
                PRIMARY KEY(id)
            ) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
ALTER TABLE client_form ADD CONSTRAINT FK_83143E2DB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_form ADD CONSTRAINT FK_83143E2D896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F21128513DAA FOREIGN KEY (client_form_response_id) REFERENCES client_form_response (id);
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F21182BBB8C0 FOREIGN KEY (client_form_field_id) REFERENCES client_form_field (id);
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F21119EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F211B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F211896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_form_field ADD CONSTRAINT FK_48E6DCDA5FF69B7D FOREIGN KEY (form_id) REFERENCES client_form (id);
ALTER TABLE client_form_field ADD CONSTRAINT FK_48E6DCDAB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_form_field ADD CONSTRAINT FK_48E6DCDA896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_form_response ADD CONSTRAINT FK_F8F7B48B19EB6921 FOREIGN KEY (client_id) REFERENCES client (id);
ALTER TABLE client_form_response ADD CONSTRAINT FK_F8F7B48B5FF69B7D FOREIGN KEY (form_id) REFERENCES client_form (id);
ALTER TABLE client_form_response ADD CONSTRAINT FK_F8F7B48BB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id);
ALTER TABLE client_form_response ADD CONSTRAINT FK_F8F7B48B896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id);
-- Version20191113060904
-- Version20200221222527
CREATE TABLE meta (
                id INT AUTO_INCREMENT NOT NULL,
                `key` VARCHAR(32) NOT NULL,
                value LONGTEXT NOT NULL,
                UNIQUE INDEX UNIQ_D7F214358A90ABA9 (`key`),
                PRIMARY KEY(id)
            ) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
-- Version20200325234710
-- Version20200524160538
ALTER TABLE service_type ADD comment tinyint(1) NULL AFTER sync_id;
ALTER TABLE service_type ADD amount tinyint(1) NULL AFTER sync_id;
-- Version20220619051513
ALTER TABLE fos_user_user DROP locked, DROP expired, DROP expires_at, DROP credentials_expired, DROP credentials_expire_at;
-- Version20221117181501
-- Version20221231085945
ALTER TABLE fos_user_user MODIFY COLUMN salt varchar(255) null;
-- Version20230319140728
ALTER TABLE certificate CHANGE date_from date_from DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE date_to date_to DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE certificate_type CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE client CHANGE birth_date birth_date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE is_homeless is_homeless TINYINT(1) DEFAULT NULL;
ALTER TABLE client_field CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE mandatory_for_homeless mandatory_for_homeless TINYINT(1) DEFAULT NULL, CHANGE enabled_for_homeless enabled_for_homeless TINYINT(1) DEFAULT NULL;
ALTER TABLE client_field_option CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE client_field_value CHANGE datetime datetime DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE client_form CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE client_form_field CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE client_form_response CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
DROP INDEX client_field_idx ON client_form_response_value;
ALTER TABLE client_form_response_value CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE contract CHANGE date_from date_from DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE date_to date_to DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE contract_item CHANGE date_start date_start DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE date date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE contract_item_type CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE contract_status CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE district CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE document CHANGE date date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE document_file CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE document_type CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE fos_user_user DROP date_of_birth, DROP website, DROP biography, DROP gender, DROP locale, DROP phone, DROP facebook_uid, DROP facebook_name, DROP facebook_data, DROP twitter_uid, DROP twitter_name, DROP twitter_data, DROP gplus_uid, DROP gplus_name, DROP gplus_data, DROP token, DROP two_step_code, CHANGE username username VARCHAR(180) NOT NULL, CHANGE username_canonical username_canonical VARCHAR(180) NOT NULL, CHANGE email email VARCHAR(180) NOT NULL, CHANGE email_canonical email_canonical VARCHAR(180) NOT NULL, CHANGE confirmation_token confirmation_token VARCHAR(180) DEFAULT NULL, CHANGE firstname firstname VARCHAR(255) DEFAULT NULL, CHANGE lastname lastname VARCHAR(255) DEFAULT NULL, CHANGE timezone timezone VARCHAR(255) DEFAULT NULL, CHANGE proxy_date proxy_date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE position_text position_text LONGTEXT DEFAULT NULL;
CREATE UNIQUE INDEX UNIQ_C560D761C05FB297 ON fos_user_user (confirmation_token);
ALTER TABLE generated_document CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE generated_document_end_text CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE generated_document_start_text CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE generated_document_type CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE history CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE history_download CHANGE date date DATETIME NOT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE menu_item CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE meta RENAME INDEX uniq_d7f214358a90aba9 TO UNIQ_D7F214354E645A7E;
ALTER TABLE note CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE notice CHANGE date date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE position CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE region CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE resident_questionnaire DROP FOREIGN KEY resident_questionnaire_client_id_fk;
DROP INDEX resident_questionnaire_client_id_fk ON resident_questionnaire;
ALTER TABLE resident_questionnaire CHANGE client_id client_id INT DEFAULT NULL, CHANGE type_id type_id INT DEFAULT NULL, CHANGE is_dwelling is_dwelling TINYINT(1) DEFAULT NULL, CHANGE is_work is_work TINYINT(1) DEFAULT NULL, CHANGE is_work_official is_work_official TINYINT(1) DEFAULT NULL, CHANGE is_work_constant is_work_constant TINYINT(1) DEFAULT NULL, CHANGE reason_for_transition_ids reason_for_transition_ids LONGTEXT DEFAULT NULL, CHANGE reason_for_petition_ids reason_for_petition_ids LONGTEXT DEFAULT NULL;
ALTER TABLE resident_questionnaire ADD CONSTRAINT FK_D177694B19EB6921 FOREIGN KEY (client_id) REFERENCES client (id) ON DELETE CASCADE;
CREATE INDEX IDX_D177694B19EB6921 ON resident_questionnaire (client_id);
ALTER TABLE service CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE service_type CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE shelter_history CHANGE diphtheria_vaccination_date diphtheria_vaccination_date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE fluorography_date fluorography_date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE hepatitis_vaccination_date hepatitis_vaccination_date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE typhus_vaccination_date typhus_vaccination_date DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE date_from date_from DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE date_to date_to DATE DEFAULT NULL COMMENT '(DC2Type:date_immutable)', CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE shelter_room CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE shelter_status CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
ALTER TABLE viewed_client CHANGE created_at created_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)', CHANGE updated_at updated_at DATETIME DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)';
-- Version20230325090505
ALTER TABLE certificate_type CHANGE downloadable downloadable TINYINT(1) NOT NULL, CHANGE show_photo show_photo TINYINT(1) NOT NULL, CHANGE show_date show_date TINYINT(1) NOT NULL;
ALTER TABLE client CHANGE is_homeless is_homeless TINYINT(1) NOT NULL;
ALTER TABLE client_field CHANGE enabled enabled TINYINT(1) NOT NULL, CHANGE required required TINYINT(1) NOT NULL, CHANGE multiple multiple TINYINT(1) NOT NULL, CHANGE mandatory_for_homeless mandatory_for_homeless TINYINT(1) NOT NULL, CHANGE enabled_for_homeless enabled_for_homeless TINYINT(1) NOT NULL;
ALTER TABLE client_field_option CHANGE not_single not_single TINYINT(1) NOT NULL;
ALTER TABLE menu_item CHANGE enabled enabled TINYINT(1) NOT NULL;
ALTER TABLE note CHANGE important important TINYINT(1) NOT NULL;
ALTER TABLE resident_questionnaire CHANGE is_dwelling is_dwelling TINYINT(1) NOT NULL, CHANGE is_work is_work TINYINT(1) NOT NULL, CHANGE is_work_official is_work_official TINYINT(1) NOT NULL, CHANGE is_work_constant is_work_constant TINYINT(1) NOT NULL;
ALTER TABLE service_type CHANGE pay pay TINYINT(1) NOT NULL, CHANGE document document TINYINT(1) NOT NULL, CHANGE amount amount TINYINT(1) NOT NULL, CHANGE comment comment TINYINT(1) NOT NULL;
-- Version20230326133836
-- Version20230413182237
ALTER TABLE fos_user_group DROP FOREIGN KEY FK_583D1F3E896DBBDE;
ALTER TABLE fos_user_group DROP FOREIGN KEY FK_583D1F3EB03A8386;
ALTER TABLE fos_user_user_group DROP FOREIGN KEY FK_B3C77447A76ED395;
ALTER TABLE fos_user_user_group DROP FOREIGN KEY FK_B3C77447FE54D947;
DROP TABLE fos_user_group;
DROP TABLE fos_user_user_group;
-- Version20230413185611
ALTER TABLE certificate DROP FOREIGN KEY FK_219CDA4A896DBBDE;
ALTER TABLE certificate DROP FOREIGN KEY FK_219CDA4AB03A8386;
ALTER TABLE certificate ADD CONSTRAINT FK_219CDA4A896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE certificate ADD CONSTRAINT FK_219CDA4AB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE certificate_type DROP FOREIGN KEY FK_F2C76A50896DBBDE;
ALTER TABLE certificate_type DROP FOREIGN KEY FK_F2C76A50B03A8386;
ALTER TABLE certificate_type ADD CONSTRAINT FK_F2C76A50896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE certificate_type ADD CONSTRAINT FK_F2C76A50B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client DROP FOREIGN KEY FK_C7440455896DBBDE;
ALTER TABLE client DROP FOREIGN KEY FK_C7440455B03A8386;
ALTER TABLE client ADD CONSTRAINT FK_C7440455896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client ADD CONSTRAINT FK_C7440455B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_field DROP FOREIGN KEY FK_F898D9EF896DBBDE;
ALTER TABLE client_field DROP FOREIGN KEY FK_F898D9EFB03A8386;
ALTER TABLE client_field ADD CONSTRAINT FK_F898D9EF896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_field ADD CONSTRAINT FK_F898D9EFB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_field_option DROP FOREIGN KEY FK_C1C82EB3896DBBDE;
ALTER TABLE client_field_option DROP FOREIGN KEY FK_C1C82EB3B03A8386;
ALTER TABLE client_field_option ADD CONSTRAINT FK_C1C82EB3896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_field_option ADD CONSTRAINT FK_C1C82EB3B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_field_value DROP FOREIGN KEY FK_379BEBF4896DBBDE;
ALTER TABLE client_field_value DROP FOREIGN KEY FK_379BEBF4B03A8386;
ALTER TABLE client_field_value ADD CONSTRAINT FK_379BEBF4896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_field_value ADD CONSTRAINT FK_379BEBF4B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form DROP FOREIGN KEY FK_83143E2D896DBBDE;
ALTER TABLE client_form DROP FOREIGN KEY FK_83143E2DB03A8386;
ALTER TABLE client_form ADD CONSTRAINT FK_83143E2D896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form ADD CONSTRAINT FK_83143E2DB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form_field DROP FOREIGN KEY FK_48E6DCDA896DBBDE;
ALTER TABLE client_form_field DROP FOREIGN KEY FK_48E6DCDAB03A8386;
ALTER TABLE client_form_field ADD CONSTRAINT FK_48E6DCDA896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form_field ADD CONSTRAINT FK_48E6DCDAB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form_response DROP FOREIGN KEY FK_F8F7B48B896DBBDE;
ALTER TABLE client_form_response DROP FOREIGN KEY FK_F8F7B48BB03A8386;
ALTER TABLE client_form_response ADD CONSTRAINT FK_F8F7B48B896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form_response ADD CONSTRAINT FK_F8F7B48BB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form_response_value DROP FOREIGN KEY FK_A619F211896DBBDE;
ALTER TABLE client_form_response_value DROP FOREIGN KEY FK_A619F211B03A8386;
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F211896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F211B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract DROP FOREIGN KEY FK_E98F2859896DBBDE;
ALTER TABLE contract DROP FOREIGN KEY FK_E98F2859B03A8386;
ALTER TABLE contract ADD CONSTRAINT FK_E98F2859896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract ADD CONSTRAINT FK_E98F2859B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract_item DROP FOREIGN KEY FK_776E6B76896DBBDE;
ALTER TABLE contract_item DROP FOREIGN KEY FK_776E6B76B03A8386;
ALTER TABLE contract_item ADD CONSTRAINT FK_776E6B76896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract_item ADD CONSTRAINT FK_776E6B76B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract_item_type DROP FOREIGN KEY FK_69794B44896DBBDE;
ALTER TABLE contract_item_type DROP FOREIGN KEY FK_69794B44B03A8386;
ALTER TABLE contract_item_type ADD CONSTRAINT FK_69794B44896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract_item_type ADD CONSTRAINT FK_69794B44B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract_status DROP FOREIGN KEY FK_47408051896DBBDE;
ALTER TABLE contract_status DROP FOREIGN KEY FK_47408051B03A8386;
ALTER TABLE contract_status ADD CONSTRAINT FK_47408051896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE contract_status ADD CONSTRAINT FK_47408051B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE district DROP FOREIGN KEY FK_31C15487896DBBDE;
ALTER TABLE district DROP FOREIGN KEY FK_31C15487B03A8386;
ALTER TABLE district ADD CONSTRAINT FK_31C15487896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE district ADD CONSTRAINT FK_31C15487B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE document DROP FOREIGN KEY FK_D8698A76896DBBDE;
ALTER TABLE document DROP FOREIGN KEY FK_D8698A76B03A8386;
ALTER TABLE document ADD CONSTRAINT FK_D8698A76896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE document ADD CONSTRAINT FK_D8698A76B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE document_file DROP FOREIGN KEY FK_2B2BBA83896DBBDE;
ALTER TABLE document_file DROP FOREIGN KEY FK_2B2BBA83B03A8386;
ALTER TABLE document_file ADD CONSTRAINT FK_2B2BBA83896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE document_file ADD CONSTRAINT FK_2B2BBA83B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE document_type DROP FOREIGN KEY FK_2B6ADBBA896DBBDE;
ALTER TABLE document_type DROP FOREIGN KEY FK_2B6ADBBAB03A8386;
ALTER TABLE document_type ADD CONSTRAINT FK_2B6ADBBA896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE document_type ADD CONSTRAINT FK_2B6ADBBAB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE fos_user_user DROP FOREIGN KEY FK_C560D761896DBBDE;
ALTER TABLE fos_user_user DROP FOREIGN KEY FK_C560D761B03A8386;
ALTER TABLE fos_user_user ADD CONSTRAINT FK_C560D761896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE fos_user_user ADD CONSTRAINT FK_C560D761B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document DROP FOREIGN KEY FK_98C8BDCF896DBBDE;
ALTER TABLE generated_document DROP FOREIGN KEY FK_98C8BDCFB03A8386;
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCF896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document ADD CONSTRAINT FK_98C8BDCFB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document_end_text DROP FOREIGN KEY FK_1FC324CE896DBBDE;
ALTER TABLE generated_document_end_text DROP FOREIGN KEY FK_1FC324CEB03A8386;
ALTER TABLE generated_document_end_text ADD CONSTRAINT FK_1FC324CE896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document_end_text ADD CONSTRAINT FK_1FC324CEB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document_start_text DROP FOREIGN KEY FK_D15AEC56896DBBDE;
ALTER TABLE generated_document_start_text DROP FOREIGN KEY FK_D15AEC56B03A8386;
ALTER TABLE generated_document_start_text ADD CONSTRAINT FK_D15AEC56896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document_start_text ADD CONSTRAINT FK_D15AEC56B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document_type DROP FOREIGN KEY FK_73820995896DBBDE;
ALTER TABLE generated_document_type DROP FOREIGN KEY FK_73820995B03A8386;
ALTER TABLE generated_document_type ADD CONSTRAINT FK_73820995896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE generated_document_type ADD CONSTRAINT FK_73820995B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE history DROP FOREIGN KEY FK_27BA704B896DBBDE;
ALTER TABLE history DROP FOREIGN KEY FK_27BA704BB03A8386;
ALTER TABLE history ADD CONSTRAINT FK_27BA704B896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE history ADD CONSTRAINT FK_27BA704BB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE menu_item DROP FOREIGN KEY FK_D754D550896DBBDE;
ALTER TABLE menu_item DROP FOREIGN KEY FK_D754D550B03A8386;
ALTER TABLE menu_item ADD CONSTRAINT FK_D754D550896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE menu_item ADD CONSTRAINT FK_D754D550B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE note DROP FOREIGN KEY FK_CFBDFA14896DBBDE;
ALTER TABLE note DROP FOREIGN KEY FK_CFBDFA14B03A8386;
ALTER TABLE note ADD CONSTRAINT FK_CFBDFA14896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE note ADD CONSTRAINT FK_CFBDFA14B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE notice DROP FOREIGN KEY FK_480D45C2896DBBDE;
ALTER TABLE notice DROP FOREIGN KEY FK_480D45C2B03A8386;
ALTER TABLE notice ADD CONSTRAINT FK_480D45C2896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE notice ADD CONSTRAINT FK_480D45C2B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE position DROP FOREIGN KEY FK_462CE4F5896DBBDE;
ALTER TABLE position DROP FOREIGN KEY FK_462CE4F5B03A8386;
ALTER TABLE position ADD CONSTRAINT FK_462CE4F5896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE position ADD CONSTRAINT FK_462CE4F5B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE region DROP FOREIGN KEY FK_F62F176896DBBDE;
ALTER TABLE region DROP FOREIGN KEY FK_F62F176B03A8386;
ALTER TABLE region ADD CONSTRAINT FK_F62F176896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE region ADD CONSTRAINT FK_F62F176B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE service DROP FOREIGN KEY FK_E19D9AD2896DBBDE;
ALTER TABLE service DROP FOREIGN KEY FK_E19D9AD2B03A8386;
ALTER TABLE service ADD CONSTRAINT FK_E19D9AD2896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE service ADD CONSTRAINT FK_E19D9AD2B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE service_type DROP FOREIGN KEY FK_429DE3C5896DBBDE;
ALTER TABLE service_type DROP FOREIGN KEY FK_429DE3C5B03A8386;
ALTER TABLE service_type ADD CONSTRAINT FK_429DE3C5896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE service_type ADD CONSTRAINT FK_429DE3C5B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE shelter_history DROP FOREIGN KEY FK_D04221A0896DBBDE;
ALTER TABLE shelter_history DROP FOREIGN KEY FK_D04221A0B03A8386;
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A0896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE shelter_history ADD CONSTRAINT FK_D04221A0B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE shelter_room DROP FOREIGN KEY FK_1169D9ED896DBBDE;
ALTER TABLE shelter_room DROP FOREIGN KEY FK_1169D9EDB03A8386;
ALTER TABLE shelter_room ADD CONSTRAINT FK_1169D9ED896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE shelter_room ADD CONSTRAINT FK_1169D9EDB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE shelter_status DROP FOREIGN KEY FK_E106D388896DBBDE;
ALTER TABLE shelter_status DROP FOREIGN KEY FK_E106D388B03A8386;
ALTER TABLE shelter_status ADD CONSTRAINT FK_E106D388896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE shelter_status ADD CONSTRAINT FK_E106D388B03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE viewed_client DROP FOREIGN KEY FK_74C641DB896DBBDE;
ALTER TABLE viewed_client DROP FOREIGN KEY FK_74C641DBB03A8386;
ALTER TABLE viewed_client ADD CONSTRAINT FK_74C641DB896DBBDE FOREIGN KEY (updated_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
ALTER TABLE viewed_client ADD CONSTRAINT FK_74C641DBB03A8386 FOREIGN KEY (created_by_id) REFERENCES fos_user_user (id) ON DELETE SET NULL;
-- Version20230501101801
-- Version20230501201308
ALTER TABLE client_form_response DROP FOREIGN KEY FK_F8F7B48B19EB6921;
ALTER TABLE client_form_response ADD CONSTRAINT FK_F8F7B48B19EB6921 FOREIGN KEY (client_id) REFERENCES client (id) ON DELETE CASCADE;
ALTER TABLE client_form_response_value DROP FOREIGN KEY FK_A619F21119EB6921;
ALTER TABLE client_form_response_value ADD CONSTRAINT FK_A619F21119EB6921 FOREIGN KEY (client_id) REFERENCES client (id) ON DELETE CASCADE;
ALTER TABLE history DROP FOREIGN KEY FK_27BA704B19EB6921;
ALTER TABLE history ADD CONSTRAINT FK_27BA704B19EB6921 FOREIGN KEY (client_id) REFERENCES client (id) ON DELETE CASCADE;
ALTER TABLE history_download DROP FOREIGN KEY FK_38E1EE3AA76ED395;
ALTER TABLE history_download ADD CONSTRAINT FK_38E1EE3AA76ED395 FOREIGN KEY (user_id) REFERENCES fos_user_user (id) ON DELETE CASCADE;
ALTER TABLE notice DROP FOREIGN KEY FK_480D45C219EB6921;
ALTER TABLE notice ADD CONSTRAINT FK_480D45C219EB6921 FOREIGN KEY (client_id) REFERENCES client (id) ON DELETE CASCADE;
-- Version20230621223233
DROP TABLE meta;
ALTER TABLE resident_questionnaire DROP FOREIGN KEY FK_D177694B19EB6921;
DROP TABLE resident_questionnaire;
DROP INDEX UNIQ_F8F7B48B60D093B1 ON client_form_response;
ALTER TABLE client_form_response DROP resident_questionnaire_id;
-- Version20230621231828
ALTER TABLE fos_user_user CHANGE firstname firstname VARCHAR(255) NOT NULL, CHANGE lastname lastname VARCHAR(255) NOT NULL;
-- Version20240612115754
-- Version20240825150101
-- Version20240830130542
-- Version20250827101348
ALTER TABLE notice_user DROP INDEX UNIQ_DFD1E3B87D540AB, ADD INDEX IDX_DFD1E3B87D540AB (notice_id);
-- Doctrine Migrations' own table (doctrine/migrations 3.x), as МКС leaves it.
CREATE TABLE doctrine_migration_versions (version VARCHAR(191) NOT NULL, executed_at DATETIME DEFAULT NULL, execution_time INT DEFAULT NULL, PRIMARY KEY(version)) DEFAULT CHARACTER SET utf8 COLLATE utf8_unicode_ci ENGINE = InnoDB;
INSERT INTO doctrine_migration_versions (version, executed_at, execution_time) VALUES
('DoctrineMigrations\\Version20180408112154', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181112122365', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181115102310', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181202223922', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181203012632', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181203012633', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181203190521', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181206102354', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20181211161647', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20190712163831', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20190712163832', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20191113055456', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20191113060904', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20200221222527', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20200325234710', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20200524160538', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20220619051513', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20221117181501', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20221231085945', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230319140728', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230325090505', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230326133836', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230413182237', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230413185611', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230501101801', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230501201308', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230621223233', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20230621231828', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20240612115754', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20240825150101', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20240830130542', '2025-09-01 10:00:00', 10),
('DoctrineMigrations\\Version20250827101348', '2025-09-01 10:00:00', 10);
SET FOREIGN_KEY_CHECKS=1;
