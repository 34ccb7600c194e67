package com.modularlabs.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.FieldError;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** Plain unit tests of the whitelist (no Quarkus). */
class FilterRulesTest {
    final FilterRules rules = new FilterRules(10, 1000);

    private void refused(String filter, String path) {
        List<FieldError> errors = rules.checkFilter(Document.parse(filter));
        assertTrue(errors.stream().anyMatch(e -> e.path().equals(path)), filter + " -> " + errors);
    }

    @Test
    void refusedOperators() {
        refused("{\"$where\": \"1\"}", "$.$where");
        refused("{\"$expr\": {}}", "$.$expr");
        refused("{\"$jsonSchema\": {}}", "$.$jsonSchema");
        refused("{\"$text\": {\"$search\": \"x\"}}", "$.$text");
        refused("{\"$comment\": \"x\"}", "$.$comment");
        refused("{\"a\": {\"$function\": {\"body\": \"x\"}}}", "$.a.$function");
        refused("{\"a\": {\"$accumulator\": {}}}", "$.a.$accumulator");
        refused("{\"a\": {\"$mod\": [2, 0]}}", "$.a.$mod");
        refused("{\"$and\": [{\"a\": 1}, {\"$or\": [{\"$where\": \"1\"}]}]}", "$.$and[1].$or[0].$where");
        refused("{\"a\": {\"$elemMatch\": {\"$expr\": {}}}}", "$.a.$elemMatch.$expr");
        refused("{\"a\": {\"$not\": {\"$where\": \"1\"}}}", "$.a.$not.$where");
        refused("{\"a\": {\"$in\": [{\"$where\": \"1\"}]}}", "$.a.$in[0].$where");
        refused("{\"a\": {\"$regex\": \"x\", \"$options\": \"$\"}}", "$.a.$options");
        refused("{\"a\": {\"$eq\": {\"$where\": 1}}}", "$.a.$eq.$where");
    }

    @Test
    void allowedOperators() {
        for (String f : new String[] {"{\"a\": {\"$gt\": 1, \"$lt\": 5}}", "{\"$or\": [{\"a\": 1}, {\"b\": {\"$in\": [1, 2]}}]}",
                "{\"a\": {\"$elemMatch\": {\"x\": {\"$gt\": 1}}}}", "{\"a\": {\"$elemMatch\": {\"$gt\": 1}}}",
                "{\"a\": {\"$regex\": \"^x\", \"$options\": \"i\"}}", "{\"a\": {\"$not\": {\"$size\": 2}}}",
                "{\"a.b\": {\"$exists\": true}, \"c\": {\"$type\": \"string\"}}"}) {
            assertEquals(List.of(), rules.checkFilter(Document.parse(f)), f);
        }
    }

    @Test
    void updateChecks() {
        assertTrue(rules.checkUpdate(Document.parse("{\"$set\": {\"experiment_id\": 1}}")).get(0).path().equals("$.$set.experiment_id"));
        assertTrue(rules.checkUpdate(Document.parse("{\"$rename\": {\"a\": \"b\"}}")).get(0).path().equals("$.$rename"));
        assertEquals(List.of(), rules.checkUpdate(Document.parse("{\"$set\": {\"a.b\": 1}, \"$push\": {\"t\": {\"$each\": [1]}}, \"$pull\": {\"t\": {\"$gt\": 3}}}")));
    }
}
