DROP TABLE pledge_services;
