DROP TABLE testmodule_kind;
DROP TABLE testmodule_artifactexperiment;
DROP TABLE testmodule_experiment;
DELETE FROM django_migrations WHERE app = 'testmodule';
