/** One-shot: schema migrations, topics, and demo data in development. */
import { runOnce } from '../runtime/lifecycle';
import { prepare } from '../runtime/prepare';

runOnce('migrate', prepare);
