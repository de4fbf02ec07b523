#!/usr/bin/env bash
# Runs a single-node Kafka broker in KRaft mode (no ZooKeeper) from the jars build-kafka.sh resolved.
# Environment: KAFKA_LIBS (folder of jars), KAFKA_PORT (9092), KAFKA_DATA (log dir),
# KAFKA_ADVERTISED_HOST (127.0.0.1; a container gives its network alias), KAFKA_LISTEN_HOST
# (127.0.0.1; 0.0.0.0 in a container). Runs in the foreground; stop it with SIGTERM.
# Optional second listener for clients that cannot resolve KAFKA_ADVERTISED_HOST (a container's
# network alias is unknown on the host): KAFKA_EXTERNAL_PORT opens EXTERNAL://LISTEN:PORT, advertised
# as KAFKA_EXTERNAL_HOST (default: this machine's first address, `hostname -i`, i.e. the container IP).
set -euo pipefail
LIBS="${KAFKA_LIBS:-/opt/kafka/libs}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
DATA="${KAFKA_DATA:-/var/lib/kafka}"
ADV="${KAFKA_ADVERTISED_HOST:-127.0.0.1}"
LISTEN="${KAFKA_LISTEN_HOST:-127.0.0.1}"
JAVA="${JAVA:-java}"
EPORT="${KAFKA_EXTERNAL_PORT:-}"
LISTENERS="PLAINTEXT://$LISTEN:$PORT,CONTROLLER://127.0.0.1:$CPORT"
ADVERTISED="PLAINTEXT://$ADV:$PORT"
PROTOCOLS="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
if [ -n "$EPORT" ]; then
  EHOST="${KAFKA_EXTERNAL_HOST:-}"
  [ -n "$EHOST" ] || EHOST=$(hostname -i 2>/dev/null | awk '{print $1}')
  [ -n "$EHOST" ] || { echo "run-kafka.sh: KAFKA_EXTERNAL_PORT is set but no address was found for KAFKA_EXTERNAL_HOST" >&2; exit 1; }
  LISTENERS="$LISTENERS,EXTERNAL://$LISTEN:$EPORT"
  ADVERTISED="$ADVERTISED,EXTERNAL://$EHOST:$EPORT"
  PROTOCOLS="$PROTOCOLS,EXTERNAL:PLAINTEXT"
fi
mkdir -p "$DATA"
CONF="$DATA/server.properties"
cat >"$CONF" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=$LISTENERS
advertised.listeners=$ADVERTISED
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=$PROTOCOLS
log.dirs=$DATA/logs
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
cat >"$DATA/log4j.properties" <<'L4J'
log4j.rootLogger=WARN, stdout
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
L4J
OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC "-Dlog4j.configuration=file:$DATA/log4j.properties" -cp "$LIBS/*")
if [ ! -f "$DATA/logs/meta.properties" ]; then
  "$JAVA" "${OPTS[@]}" kafka.tools.StorageTool format -t "$("$JAVA" "${OPTS[@]}" kafka.tools.StorageTool random-uuid)" -c "$CONF" >/dev/null
fi
exec "$JAVA" "${OPTS[@]}" kafka.Kafka "$CONF"
