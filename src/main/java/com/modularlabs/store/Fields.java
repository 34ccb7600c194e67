package com.modularlabs.store;

import com.mongodb.client.model.Projections;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.bson.codecs.pojo.annotations.BsonId;
import org.bson.codecs.pojo.annotations.BsonProperty;
import org.bson.conversions.Bson;

/**
 * The projection that fetches exactly a record's components (by their {@code @BsonProperty} name, {@code _id}
 * for {@code @BsonId}). Panache's {@code project(Class)} collects getters and public fields only, so for a record
 * it would fetch whole documents; repositories pass this to {@code mongoCollection().find(filter, options)} and
 * the driver's record codec decodes the reply.
 */
public final class Fields {
    private static final ClassValue<Bson> CACHE = new ClassValue<>() {
        @Override
        protected Bson computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            if (components == null) {
                throw new IllegalArgumentException(type + " is not a record");
            }
            List<String> names = new ArrayList<>();
            boolean id = false;
            for (RecordComponent c : components) {
                // @BsonProperty/@BsonId target fields, methods and parameters: on a component they land on the accessor
                BsonProperty p = c.getAccessor().getAnnotation(BsonProperty.class);
                String name = c.getAccessor().isAnnotationPresent(BsonId.class) ? "_id" : p != null ? p.value() : c.getName();
                id |= name.equals("_id");
                names.add(name);
            }
            return id ? Projections.include(names) : Projections.fields(Projections.include(names), Projections.excludeId());
        }
    };

    private Fields() {
    }

    public static Bson of(Class<? extends Record> type) {
        return CACHE.get(type);
    }
}
