"""Copy-paste detection (issue #15), pure: no SQL, no network.

- `skeleton.py`: a report's free text, with the mandated skeleton (standard headings, table
  labels, template sentences, and sentences found in a large share of all reports) removed;
- `signature.py`: character 5-gram shingles, MinHash signatures (datasketch) and their LSH
  band keys;
- `passages.py`: exact Jaccard of two shingle sets and the longest passages they share.

The derive step `archive/derive/similar.py` stores signatures and band keys and compares
each new or changed report with the index only.
"""
