//! Granular markings: a property marked for fewer partners is removed on the way out to the
//! others, with the granular marking that pointed at it; if the property is one its type
//! requires, the object is withheld instead.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{Kind, TLP_AMBER_STRICT, hub, indicator, new_id};
use serde_json::json;

fn marked(id: &str, selector: &str) -> serde_json::Value {
    let mut object = indicator(id, "2025-01-01T00:00:00.000Z", &[]);
    object["granular_markings"] =
        json!([{"selectors": [selector], "marking_ref": TLP_AMBER_STRICT}]);
    object
}

async fn a_granular_marking_redacts_the_marked_property(kind: Kind) {
    let h = hub(kind).await;
    let id = new_id("indicator");
    let object = marked(&id, "description");
    let status = h.post("GBR", std::slice::from_ref(&object)).await;
    assert_eq!(status["success_count"], 1, "{status}");
    let own = h.object("GBR", &id, &[]).await;
    assert_eq!(own.body["objects"][0], object);
    let other = h.object("FRA", &id, &[]).await;
    assert_eq!(other.status, 200);
    let mut expected = object.clone();
    let map = expected.as_object_mut().unwrap();
    map.remove("description");
    map.remove("granular_markings");
    assert_eq!(other.body["objects"][0], expected);
}

async fn redacting_a_required_property_withholds_the_object(kind: Kind) {
    let h = hub(kind).await;
    let id = new_id("indicator");
    h.post("GBR", &[marked(&id, "pattern")]).await;
    assert_eq!(h.object("GBR", &id, &[]).await.status, 200);
    assert_eq!(h.object("FRA", &id, &[]).await.status, 404);
    assert!(h.ids("FRA", &[]).await.is_empty());
}

both_backends!(
    a_granular_marking_redacts_the_marked_property,
    redacting_a_required_property_withholds_the_object,
);
