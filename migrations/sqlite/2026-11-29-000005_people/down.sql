DROP TABLE certificate_reviews;
DROP TABLE certificate_violations;
DROP TABLE certificate_work_periods;
DROP TABLE certificates;
DROP TABLE employments;
DROP TABLE persons;
