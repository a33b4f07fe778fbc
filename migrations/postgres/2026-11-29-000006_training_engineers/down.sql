DROP TABLE engineers;
DROP TABLE pass_rate_publications;
DROP TABLE exam_results;
DROP INDEX certificates_current_number_idx;
ALTER TABLE certificates ADD CONSTRAINT certificates_number_category_key UNIQUE (number, category);
