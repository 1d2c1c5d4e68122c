CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RAISE 'x;y'; RETURN NEW; END $body$ LANGUAGE plpgsql;
SELECT E'it\'s; here', "semi;colon", $$ ; $$ /* outer /* inner ; */ still */ ; -- tail ;
BEGIN; ROLLBACK TO SAVEPOINT s; COMMIT;;
SELECT 'unterminated
