-- МКС (homeless, v2.20) schema at its last migration, Version20250827101348:
-- mysqldump --no-data of a database made by migrations.sql (see SOURCE.md).
/*M!999999\- enable the sandbox mode */ 

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `certificate` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `type_id` int(11) DEFAULT NULL,
  `document_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `city` varchar(255) DEFAULT NULL,
  `number` varchar(255) DEFAULT NULL,
  `date_from` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `date_to` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_219CDA4A19EB6921` (`client_id`),
  KEY `IDX_219CDA4AC54C8C93` (`type_id`),
  KEY `IDX_219CDA4AC33F7837` (`document_id`),
  KEY `IDX_219CDA4AB03A8386` (`created_by_id`),
  KEY `IDX_219CDA4A896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_219CDA4A19EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_219CDA4A896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_219CDA4AB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_219CDA4AC33F7837` FOREIGN KEY (`document_id`) REFERENCES `document` (`id`),
  CONSTRAINT `FK_219CDA4AC54C8C93` FOREIGN KEY (`type_id`) REFERENCES `certificate_type` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `certificate_type` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `downloadable` tinyint(1) NOT NULL,
  `show_photo` tinyint(1) NOT NULL,
  `show_date` tinyint(1) NOT NULL,
  `content_header_left` longtext DEFAULT NULL,
  `content_header_right` longtext DEFAULT NULL,
  `content_body_right` longtext DEFAULT NULL,
  `content_footer` longtext DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_F2C76A50B03A8386` (`created_by_id`),
  KEY `IDX_F2C76A50896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_F2C76A50896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_F2C76A50B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `last_residence_district_id` int(11) DEFAULT NULL,
  `last_registration_district_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `photo_name` varchar(255) DEFAULT NULL,
  `birth_date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `birth_place` varchar(255) DEFAULT NULL,
  `gender` int(11) DEFAULT NULL,
  `firstname` varchar(255) DEFAULT NULL,
  `middlename` varchar(255) DEFAULT NULL,
  `lastname` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `is_homeless` tinyint(1) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `IDX_C7440455E563C280` (`last_residence_district_id`),
  KEY `IDX_C744045560012056` (`last_registration_district_id`),
  KEY `IDX_C7440455B03A8386` (`created_by_id`),
  KEY `IDX_C7440455896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_C744045560012056` FOREIGN KEY (`last_registration_district_id`) REFERENCES `district` (`id`),
  CONSTRAINT `FK_C7440455896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_C7440455B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_C7440455E563C280` FOREIGN KEY (`last_residence_district_id`) REFERENCES `district` (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=104 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_field` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `code` varchar(255) DEFAULT NULL,
  `enabled` tinyint(1) NOT NULL,
  `type` int(11) DEFAULT NULL,
  `required` tinyint(1) NOT NULL,
  `multiple` tinyint(1) NOT NULL,
  `description` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `mandatory_for_homeless` tinyint(1) NOT NULL,
  `enabled_for_homeless` tinyint(1) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `IDX_F898D9EFB03A8386` (`created_by_id`),
  KEY `IDX_F898D9EF896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_F898D9EF896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_F898D9EFB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_field_option` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `field_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `not_single` tinyint(1) NOT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_C1C82EB3443707B0` (`field_id`),
  KEY `IDX_C1C82EB3B03A8386` (`created_by_id`),
  KEY `IDX_C1C82EB3896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_C1C82EB3443707B0` FOREIGN KEY (`field_id`) REFERENCES `client_field` (`id`) ON DELETE CASCADE,
  CONSTRAINT `FK_C1C82EB3896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_C1C82EB3B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_field_value` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `field_id` int(11) DEFAULT NULL,
  `client_id` int(11) DEFAULT NULL,
  `option_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `text` longtext DEFAULT NULL,
  `datetime` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `filename` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  UNIQUE KEY `value_unique` (`field_id`,`client_id`),
  KEY `IDX_379BEBF4443707B0` (`field_id`),
  KEY `IDX_379BEBF419EB6921` (`client_id`),
  KEY `IDX_379BEBF4A7C41D6F` (`option_id`),
  KEY `IDX_379BEBF4B03A8386` (`created_by_id`),
  KEY `IDX_379BEBF4896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_379BEBF419EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_379BEBF4443707B0` FOREIGN KEY (`field_id`) REFERENCES `client_field` (`id`) ON DELETE CASCADE,
  CONSTRAINT `FK_379BEBF4896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_379BEBF4A7C41D6F` FOREIGN KEY (`option_id`) REFERENCES `client_field_option` (`id`),
  CONSTRAINT `FK_379BEBF4B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_field_value_client_field_option` (
  `client_field_value_id` int(11) NOT NULL,
  `client_field_option_id` int(11) NOT NULL,
  PRIMARY KEY (`client_field_value_id`,`client_field_option_id`),
  KEY `IDX_687F3075EDB7EE0` (`client_field_value_id`),
  KEY `IDX_687F30753FE1C616` (`client_field_option_id`),
  CONSTRAINT `FK_687F30753FE1C616` FOREIGN KEY (`client_field_option_id`) REFERENCES `client_field_option` (`id`) ON DELETE CASCADE,
  CONSTRAINT `FK_687F3075EDB7EE0` FOREIGN KEY (`client_field_value_id`) REFERENCES `client_field_value` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_form` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) NOT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_83143E2DB03A8386` (`created_by_id`),
  KEY `IDX_83143E2D896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_83143E2D896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_83143E2DB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_form_field` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `form_id` int(11) NOT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) NOT NULL,
  `type` int(11) NOT NULL,
  `options` longtext DEFAULT NULL,
  `flags` longtext DEFAULT NULL COMMENT '(DC2Type:simple_array)',
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_48E6DCDA5FF69B7D` (`form_id`),
  KEY `IDX_48E6DCDAB03A8386` (`created_by_id`),
  KEY `IDX_48E6DCDA896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_48E6DCDA5FF69B7D` FOREIGN KEY (`form_id`) REFERENCES `client_form` (`id`),
  CONSTRAINT `FK_48E6DCDA896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_48E6DCDAB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_form_response` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) NOT NULL,
  `form_id` int(11) NOT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_F8F7B48B19EB6921` (`client_id`),
  KEY `IDX_F8F7B48B5FF69B7D` (`form_id`),
  KEY `IDX_F8F7B48BB03A8386` (`created_by_id`),
  KEY `IDX_F8F7B48B896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_F8F7B48B19EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`) ON DELETE CASCADE,
  CONSTRAINT `FK_F8F7B48B5FF69B7D` FOREIGN KEY (`form_id`) REFERENCES `client_form` (`id`),
  CONSTRAINT `FK_F8F7B48B896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_F8F7B48BB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `client_form_response_value` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_form_response_id` int(11) NOT NULL,
  `client_form_field_id` int(11) NOT NULL,
  `client_id` int(11) NOT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `value` longtext NOT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  UNIQUE KEY `client_form_response_uniq` (`client_form_response_id`,`client_form_field_id`),
  KEY `IDX_A619F21128513DAA` (`client_form_response_id`),
  KEY `IDX_A619F21182BBB8C0` (`client_form_field_id`),
  KEY `IDX_A619F21119EB6921` (`client_id`),
  KEY `IDX_A619F211B03A8386` (`created_by_id`),
  KEY `IDX_A619F211896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_A619F21119EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`) ON DELETE CASCADE,
  CONSTRAINT `FK_A619F21128513DAA` FOREIGN KEY (`client_form_response_id`) REFERENCES `client_form_response` (`id`),
  CONSTRAINT `FK_A619F21182BBB8C0` FOREIGN KEY (`client_form_field_id`) REFERENCES `client_form_field` (`id`),
  CONSTRAINT `FK_A619F211896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_A619F211B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `contract` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `status_id` int(11) DEFAULT NULL,
  `document_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `comment` longtext DEFAULT NULL,
  `number` varchar(255) DEFAULT NULL,
  `date_from` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `date_to` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_E98F285919EB6921` (`client_id`),
  KEY `IDX_E98F28596BF700BD` (`status_id`),
  KEY `IDX_E98F2859C33F7837` (`document_id`),
  KEY `IDX_E98F2859B03A8386` (`created_by_id`),
  KEY `IDX_E98F2859896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_E98F285919EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_E98F28596BF700BD` FOREIGN KEY (`status_id`) REFERENCES `contract_status` (`id`),
  CONSTRAINT `FK_E98F2859896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_E98F2859B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_E98F2859C33F7837` FOREIGN KEY (`document_id`) REFERENCES `document` (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=502 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `contract_item` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `contract_id` int(11) DEFAULT NULL,
  `type_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `comment` longtext DEFAULT NULL,
  `date_start` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_776E6B762576E0FD` (`contract_id`),
  KEY `IDX_776E6B76C54C8C93` (`type_id`),
  KEY `IDX_776E6B76B03A8386` (`created_by_id`),
  KEY `IDX_776E6B76896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_776E6B762576E0FD` FOREIGN KEY (`contract_id`) REFERENCES `contract` (`id`),
  CONSTRAINT `FK_776E6B76896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_776E6B76B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_776E6B76C54C8C93` FOREIGN KEY (`type_id`) REFERENCES `contract_item_type` (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=603 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `contract_item_type` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `short_name` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_69794B44B03A8386` (`created_by_id`),
  KEY `IDX_69794B44896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_69794B44896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_69794B44B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `contract_status` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_47408051B03A8386` (`created_by_id`),
  KEY `IDX_47408051896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_47408051896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_47408051B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `district` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `region_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_31C1548798260155` (`region_id`),
  KEY `IDX_31C15487B03A8386` (`created_by_id`),
  KEY `IDX_31C15487896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_31C15487896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_31C1548798260155` FOREIGN KEY (`region_id`) REFERENCES `region` (`id`),
  CONSTRAINT `FK_31C15487B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `doctrine_migration_versions` (
  `version` varchar(191) NOT NULL,
  `executed_at` datetime DEFAULT NULL,
  `execution_time` int(11) DEFAULT NULL,
  PRIMARY KEY (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `document` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `type_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `address` varchar(255) DEFAULT NULL,
  `city` varchar(255) DEFAULT NULL,
  `date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `number` varchar(255) DEFAULT NULL,
  `number_prefix` varchar(255) DEFAULT NULL,
  `registration` int(11) DEFAULT NULL,
  `issued` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_D8698A7619EB6921` (`client_id`),
  KEY `IDX_D8698A76C54C8C93` (`type_id`),
  KEY `IDX_D8698A76B03A8386` (`created_by_id`),
  KEY `IDX_D8698A76896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_D8698A7619EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_D8698A76896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_D8698A76B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_D8698A76C54C8C93` FOREIGN KEY (`type_id`) REFERENCES `document_type` (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=403 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `document_file` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `type_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `comment` longtext DEFAULT NULL,
  `filename` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_2B2BBA8319EB6921` (`client_id`),
  KEY `IDX_2B2BBA83C54C8C93` (`type_id`),
  KEY `IDX_2B2BBA83B03A8386` (`created_by_id`),
  KEY `IDX_2B2BBA83896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_2B2BBA8319EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_2B2BBA83896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_2B2BBA83B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_2B2BBA83C54C8C93` FOREIGN KEY (`type_id`) REFERENCES `document_type` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `document_type` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `type` int(11) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_2B6ADBBAB03A8386` (`created_by_id`),
  KEY `IDX_2B6ADBBA896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_2B6ADBBA896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_2B6ADBBAB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `fos_user_user` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `position_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `username` varchar(180) NOT NULL,
  `username_canonical` varchar(180) NOT NULL,
  `email` varchar(180) NOT NULL,
  `email_canonical` varchar(180) NOT NULL,
  `enabled` tinyint(1) NOT NULL,
  `salt` varchar(255) DEFAULT NULL,
  `password` varchar(255) NOT NULL,
  `last_login` datetime DEFAULT NULL,
  `confirmation_token` varchar(180) DEFAULT NULL,
  `password_requested_at` datetime DEFAULT NULL,
  `roles` longtext NOT NULL COMMENT '(DC2Type:array)',
  `created_at` datetime NOT NULL,
  `updated_at` datetime NOT NULL,
  `firstname` varchar(255) NOT NULL,
  `lastname` varchar(255) NOT NULL,
  `timezone` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `middlename` varchar(255) DEFAULT NULL,
  `proxy_date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `proxy_num` varchar(255) DEFAULT NULL,
  `passport` longtext DEFAULT NULL,
  `position_text` longtext DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `UNIQ_C560D76192FC23A8` (`username_canonical`),
  UNIQUE KEY `UNIQ_C560D761A0D96FBF` (`email_canonical`),
  UNIQUE KEY `UNIQ_C560D761C05FB297` (`confirmation_token`),
  KEY `IDX_C560D761DD842E46` (`position_id`),
  KEY `IDX_C560D761B03A8386` (`created_by_id`),
  KEY `IDX_C560D761896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_C560D761896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_C560D761B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_C560D761DD842E46` FOREIGN KEY (`position_id`) REFERENCES `position` (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `generated_document` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `type_id` int(11) DEFAULT NULL,
  `start_text_id` int(11) DEFAULT NULL,
  `end_text_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `number` varchar(255) DEFAULT NULL,
  `text` longtext DEFAULT NULL,
  `whom` longtext DEFAULT NULL,
  `signature` longtext DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_98C8BDCF19EB6921` (`client_id`),
  KEY `IDX_98C8BDCFC54C8C93` (`type_id`),
  KEY `IDX_98C8BDCF9948699B` (`start_text_id`),
  KEY `IDX_98C8BDCFFC4264A1` (`end_text_id`),
  KEY `IDX_98C8BDCFB03A8386` (`created_by_id`),
  KEY `IDX_98C8BDCF896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_98C8BDCF19EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_98C8BDCF896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_98C8BDCF9948699B` FOREIGN KEY (`start_text_id`) REFERENCES `generated_document_start_text` (`id`),
  CONSTRAINT `FK_98C8BDCFB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_98C8BDCFC54C8C93` FOREIGN KEY (`type_id`) REFERENCES `generated_document_type` (`id`),
  CONSTRAINT `FK_98C8BDCFFC4264A1` FOREIGN KEY (`end_text_id`) REFERENCES `generated_document_end_text` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `generated_document_end_text` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `code` varchar(255) DEFAULT NULL,
  `text` longtext DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_1FC324CEB03A8386` (`created_by_id`),
  KEY `IDX_1FC324CE896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_1FC324CE896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_1FC324CEB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `generated_document_start_text` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `code` varchar(255) DEFAULT NULL,
  `text` longtext DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_D15AEC56B03A8386` (`created_by_id`),
  KEY `IDX_D15AEC56896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_D15AEC56896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_D15AEC56B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `generated_document_type` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `code` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_73820995B03A8386` (`created_by_id`),
  KEY `IDX_73820995896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_73820995896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_73820995B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `history` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_27BA704B19EB6921` (`client_id`),
  KEY `IDX_27BA704BB03A8386` (`created_by_id`),
  KEY `IDX_27BA704B896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_27BA704B19EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`) ON DELETE CASCADE,
  CONSTRAINT `FK_27BA704B896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_27BA704BB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `history_download` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `user_id` int(11) DEFAULT NULL,
  `certificate_type_id` int(11) DEFAULT NULL,
  `date` datetime NOT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_38E1EE3A19EB6921` (`client_id`),
  KEY `IDX_38E1EE3AA76ED395` (`user_id`),
  KEY `IDX_38E1EE3A90EF3F4C` (`certificate_type_id`),
  CONSTRAINT `FK_38E1EE3A19EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_38E1EE3A90EF3F4C` FOREIGN KEY (`certificate_type_id`) REFERENCES `certificate_type` (`id`),
  CONSTRAINT `FK_38E1EE3AA76ED395` FOREIGN KEY (`user_id`) REFERENCES `fos_user_user` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `menu_item` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `code` varchar(255) DEFAULT NULL,
  `enabled` tinyint(1) NOT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  UNIQUE KEY `UNIQ_D754D55077153098` (`code`),
  KEY `IDX_D754D550B03A8386` (`created_by_id`),
  KEY `IDX_D754D550896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_D754D550896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_D754D550B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `note` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `text` longtext DEFAULT NULL,
  `important` tinyint(1) NOT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_CFBDFA1419EB6921` (`client_id`),
  KEY `IDX_CFBDFA14B03A8386` (`created_by_id`),
  KEY `IDX_CFBDFA14896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_CFBDFA1419EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_CFBDFA14896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_CFBDFA14B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=204 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `notice` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `text` longtext DEFAULT NULL,
  `date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_480D45C219EB6921` (`client_id`),
  KEY `IDX_480D45C2B03A8386` (`created_by_id`),
  KEY `IDX_480D45C2896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_480D45C219EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`) ON DELETE CASCADE,
  CONSTRAINT `FK_480D45C2896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_480D45C2B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=802 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `notice_user` (
  `user_id` int(11) NOT NULL,
  `notice_id` int(11) NOT NULL,
  PRIMARY KEY (`user_id`,`notice_id`),
  KEY `IDX_DFD1E3B8A76ED395` (`user_id`),
  KEY `IDX_DFD1E3B87D540AB` (`notice_id`),
  CONSTRAINT `FK_DFD1E3B87D540AB` FOREIGN KEY (`notice_id`) REFERENCES `notice` (`id`),
  CONSTRAINT `FK_DFD1E3B8A76ED395` FOREIGN KEY (`user_id`) REFERENCES `fos_user_user` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `position` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_462CE4F5B03A8386` (`created_by_id`),
  KEY `IDX_462CE4F5896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_462CE4F5896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_462CE4F5B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `region` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `short_name` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_F62F176B03A8386` (`created_by_id`),
  KEY `IDX_F62F176896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_F62F176896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_F62F176B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `service` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `type_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `comment` longtext DEFAULT NULL,
  `amount` int(11) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_E19D9AD219EB6921` (`client_id`),
  KEY `IDX_E19D9AD2C54C8C93` (`type_id`),
  KEY `IDX_E19D9AD2B03A8386` (`created_by_id`),
  KEY `IDX_E19D9AD2896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_E19D9AD219EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_E19D9AD2896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_E19D9AD2B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_E19D9AD2C54C8C93` FOREIGN KEY (`type_id`) REFERENCES `service_type` (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=305 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `service_type` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `pay` tinyint(1) NOT NULL,
  `document` tinyint(1) NOT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `amount` tinyint(1) NOT NULL,
  `comment` tinyint(1) NOT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_429DE3C5B03A8386` (`created_by_id`),
  KEY `IDX_429DE3C5896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_429DE3C5896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_429DE3C5B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `shelter_history` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `room_id` int(11) DEFAULT NULL,
  `client_id` int(11) DEFAULT NULL,
  `status_id` int(11) DEFAULT NULL,
  `contract_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `comment` longtext DEFAULT NULL,
  `diphtheria_vaccination_date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `fluorography_date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `hepatitis_vaccination_date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `typhus_vaccination_date` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `date_from` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `date_to` date DEFAULT NULL COMMENT '(DC2Type:date_immutable)',
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_D04221A054177093` (`room_id`),
  KEY `IDX_D04221A019EB6921` (`client_id`),
  KEY `IDX_D04221A06BF700BD` (`status_id`),
  KEY `IDX_D04221A02576E0FD` (`contract_id`),
  KEY `IDX_D04221A0B03A8386` (`created_by_id`),
  KEY `IDX_D04221A0896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_D04221A019EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_D04221A02576E0FD` FOREIGN KEY (`contract_id`) REFERENCES `contract` (`id`),
  CONSTRAINT `FK_D04221A054177093` FOREIGN KEY (`room_id`) REFERENCES `shelter_room` (`id`),
  CONSTRAINT `FK_D04221A06BF700BD` FOREIGN KEY (`status_id`) REFERENCES `shelter_status` (`id`),
  CONSTRAINT `FK_D04221A0896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_D04221A0B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=703 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `shelter_room` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `number` varchar(255) DEFAULT NULL,
  `max_occupants` int(11) DEFAULT NULL,
  `current_occupants` int(11) DEFAULT NULL,
  `comment` longtext DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_1169D9EDB03A8386` (`created_by_id`),
  KEY `IDX_1169D9ED896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_1169D9ED896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_1169D9EDB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `shelter_status` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `name` varchar(255) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_E106D388B03A8386` (`created_by_id`),
  KEY `IDX_E106D388896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_E106D388896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_E106D388B03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `viewed_client` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `client_id` int(11) DEFAULT NULL,
  `created_by_id` int(11) DEFAULT NULL,
  `updated_by_id` int(11) DEFAULT NULL,
  `sync_id` int(11) DEFAULT NULL,
  `sort` int(11) DEFAULT NULL,
  `created_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  `updated_at` datetime DEFAULT NULL COMMENT '(DC2Type:datetime_immutable)',
  PRIMARY KEY (`id`),
  KEY `IDX_74C641DB19EB6921` (`client_id`),
  KEY `IDX_74C641DBB03A8386` (`created_by_id`),
  KEY `IDX_74C641DB896DBBDE` (`updated_by_id`),
  CONSTRAINT `FK_74C641DB19EB6921` FOREIGN KEY (`client_id`) REFERENCES `client` (`id`),
  CONSTRAINT `FK_74C641DB896DBBDE` FOREIGN KEY (`updated_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL,
  CONSTRAINT `FK_74C641DBB03A8386` FOREIGN KEY (`created_by_id`) REFERENCES `fos_user_user` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

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
