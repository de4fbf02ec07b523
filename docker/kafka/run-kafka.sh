#!/usr/bin/env bash
# Runs a single-node Kafka broker in KRaft mode (no ZooKeeper) from the jars build-kafka.sh resolved.
# Environment: KAFKA_LIBS (folder of jars), KAFKA_PORT (9092), KAFKA_DATA (log dir),
# KAFKA_ADVERTISED_HOST (127.0.0.1; a container gives its network alias), KAFKA_LISTEN_HOST
# (127.0.0.1; 0.0.0.0 in a container). Runs in the foreground; stop it with SIGTERM.
set -euo pipefail
LIBS="${KAFKA_LIBS:-/opt/kafka/libs}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
DATA="${KAFKA_DATA:-/var/lib/kafka}"
ADV="${KAFKA_ADVERTISED_HOST:-127.0.0.1}"
LISTEN="${KAFKA_LISTEN_HOST:-127.0.0.1}"
JAVA="${JAVA:-java}"
mkdir -p "$DATA"
CONF="$DATA/server.properties"
cat >"$CONF" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://$LISTEN:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://$ADV:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
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
