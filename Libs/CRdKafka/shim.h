#include <librdkafka/rdkafka.h>

// rd_kafka_producev is variadic (not callable from Swift); this one fixed-arity
// wrapper gives Swift the produce call it needs. Headers ownership passes to
// librdkafka only on success, as with rd_kafka_producev.
static inline rd_kafka_resp_err_t vartalap_produce(
    rd_kafka_t *rk, const char *topic,
    const void *key, size_t key_len,
    void *value, size_t value_len,
    rd_kafka_headers_t *headers, void *msg_opaque) {
    return rd_kafka_producev(
        rk,
        RD_KAFKA_V_TOPIC(topic),
        RD_KAFKA_V_KEY(key, key_len),
        RD_KAFKA_V_VALUE(value, value_len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(msg_opaque),
        RD_KAFKA_V_END);
}
