DROP INDEX responses_linked;
