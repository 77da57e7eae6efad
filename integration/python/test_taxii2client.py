"""Accord against the OASIS TAXII client (taxii2-client 2.3.0, taxii2client.v21).

Run by integration/tests/python_client.rs against a running `accord serve`, with:
  ACCORD_URL        http://127.0.0.1:PORT
  ACCORD_TOKEN      the token of partner `local`
  ACCORD_PRELOADED  how many objects (one version each) the collection `shared` already holds

It lists the collections, adds an envelope, pages through every object and the manifest with
`as_pages`, and reads the versions of an object, as an analyst's script would. Exits non-zero
on the first failed check.
"""

import os
import sys
import uuid

from taxii2client.v21 import Server, as_pages

T0 = "2024-01-01T00:00:00.000Z"


def indicator(object_id, second):
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": object_id,
        "created": T0,
        "modified": "2024-01-01T00:00:%02d.000Z" % second,
        "name": "from taxii2-client",
        "pattern": "[domain-name:value = 'example.org']",
        "pattern_type": "stix",
        "valid_from": T0,
    }


def check(condition, message):
    if not condition:
        print("FAILED: " + message, file=sys.stderr)
        sys.exit(1)


def page_all(func, per_request, **filters):
    """Every item of a paged endpoint, checking that none comes twice."""
    seen = []
    pages = 0
    for envelope in as_pages(func, per_request=per_request, **filters):
        pages += 1
        objects = envelope.get("objects", [])
        check(len(objects) <= per_request, "a page is no larger than the limit")
        seen.extend(objects)
    return seen, pages


def main():
    url = os.environ["ACCORD_URL"].rstrip("/")
    token = os.environ["ACCORD_TOKEN"]
    preloaded = int(os.environ["ACCORD_PRELOADED"])

    # Discovery and collections, with HTTP Basic: user = partner id, password = token.
    server = Server(url + "/taxii2/", user="local", password=token)
    check(server.title, "discovery has a title")
    roots = server.api_roots
    check(len(roots) >= 1, "at least one API root")
    api_root = server.default or roots[0]
    check(api_root.title == "Accord", "API root title: %r" % api_root.title)
    check("application/taxii+json;version=2.1" in api_root.versions, "TAXII 2.1 supported")
    check(api_root.max_content_length > 0, "max_content_length")
    shared = [c for c in api_root.collections if c.alias == "shared"]
    check(len(shared) == 1, "collection `shared` listed")
    collection = shared[0]
    check(collection.can_read and collection.can_write, "local may read and write `shared`")

    # Add an envelope: 50 new indicators and three versions of one more.
    new_ids = ["indicator--%s" % uuid.uuid4() for _ in range(50)]
    versioned = "indicator--%s" % uuid.uuid4()
    objects = [indicator(i, 0) for i in new_ids]
    objects += [indicator(versioned, s) for s in (1, 2, 3)]
    status = collection.add_objects({"objects": objects})
    check(status.status == "complete", "status complete: %s" % status.status)
    check(status.success_count == 53, "53 successes, got %s" % status.success_count)
    check(status.failure_count == 0, "no failures: %s" % status.failures)
    again = api_root.get_status(status.id)
    check(again.success_count == 53, "the status resource can be fetched again")

    expected = preloaded + 51
    for per_request in (500, 333):
        items, pages = page_all(collection.get_objects, per_request)
        ids = [o["id"] for o in items]
        check(len(ids) == len(set(ids)), "no object twice (per_request=%d)" % per_request)
        check(len(ids) == expected, "%d objects, got %d (per_request=%d)" % (expected, len(ids), per_request))
        check(set(new_ids) <= set(ids), "the added objects are there")
        check(pages == -(-expected // per_request), "%d pages of %d" % (pages, per_request))
        latest = [o for o in items if o["id"] == versioned]
        check(len(latest) == 1 and latest[0]["modified"].startswith("2024-01-01T00:00:03"),
              "objects gives the latest version")

    records, _ = page_all(collection.get_manifest, 700)
    check(len(records) == expected, "manifest has %d records, got %d" % (expected, len(records)))
    check(len({r["id"] for r in records}) == expected, "manifest: no record twice")
    record = [r for r in records if r["id"] == versioned][0]
    check(record["media_type"] == "application/stix+json;version=2.1", "manifest media_type")
    check(record["version"].startswith("2024-01-01T00:00:03"), "manifest version is the latest")

    all_versions, _ = page_all(collection.get_manifest, 10, id=versioned, version="all")
    check(len(all_versions) == 3, "manifest with version=all: 3 records")

    versions = collection.object_versions(versioned)["versions"]
    check([v[:19] for v in versions] == ["2024-01-01T00:00:0%d" % s for s in (1, 2, 3)],
          "versions oldest first: %s" % versions)
    one = collection.get_object(versioned, version="first")["objects"]
    check(len(one) == 1 and one[0]["modified"].startswith("2024-01-01T00:00:01"), "get_object version=first")
    filtered = collection.get_objects(type="indicator", id=new_ids[0])["objects"]
    check([o["id"] for o in filtered] == [new_ids[0]], "get_objects with match filters")

    print("taxii2client: all checks passed (%d objects paged)" % expected)


if __name__ == "__main__":
    main()
