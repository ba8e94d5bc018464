DROP TABLE mylab_artifactsample;
DROP TABLE mylab_sample;
