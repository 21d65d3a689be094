export { MIGRATIONS, type Migration, migrate, quoteIdentifier, type SqlClient } from './migrations.js';
