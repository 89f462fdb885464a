DROP INDEX account_tokens_by_account;
DROP TABLE account_tokens;
