/**
 * `npm run kafka -- <tool> [arguments]`: Kafka's console tools against the configured broker
 * (the local one by default), e.g.
 *   npm run kafka -- console-consumer --topic inventory-updates --from-beginning
 *   npm run kafka -- console-producer --topic inventory-updates --property parse.key=true
 *   npm run kafka -- topics --describe --topic inventory-updates
 * Arguments go to the tool unchanged; pass --bootstrap-server to point elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { getConfig } from '../shared/config';
import { kafkaLibs } from '../stack/kafka';
import { KAFKA_TOOLS, isKafkaTool, kafkaToolCommand } from '../stack/kafka-tools';

const [tool, ...args] = process.argv.slice(2);
if (!isKafkaTool(tool)) {
  process.stderr.write(`usage: npm run kafka -- <${Object.keys(KAFKA_TOOLS).join('|')}> [tool arguments]\n`);
  process.exit(2);
}
const { kafka } = getConfig();
if (kafka.ssl || kafka.sasl) {
  process.stderr.write('note: KAFKA_SSL/KAFKA_SASL_* are not passed on; give the tool its own --consumer.config/--producer.config/--command-config\n');
}
const [cmd, argv] = kafkaToolCommand(tool, args, { libs: kafkaLibs(), brokers: kafka.brokers });
const result = spawnSync(cmd, argv, { stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`${cmd} could not run: ${result.error.message}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
