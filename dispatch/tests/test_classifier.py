import pytest

from dispatch.classifier import ModelError, TextClassifier, train

TRADITIONAL = "我們社區門口的路燈壞了，晚上很黑，請儘快維修路燈。"
SIMPLIFIED = "我们社区门口的路灯坏了，晚上很黑，请尽快维修路灯。"


def test_traditional_and_simplified_forms_get_the_same_prediction(tiny_model):
    traditional, simplified = tiny_model.top(TRADITIONAL), tiny_model.top(SIMPLIFIED)
    assert traditional == simplified
    assert simplified[0].label == "城乡建设"


def test_full_width_and_segmented_forms_get_the_same_prediction(tiny_model):
    raw = "公司拖欠工资三个月，不给缴纳社保。"
    forms = [raw, "公司 拖欠 工资 三个月 缴纳 社保", "公司拖欠工资３个月，不给缴纳社保！"]
    assert [tiny_model.top(text)[0].label for text in forms] == ["劳动和社会保障"] * 3


def test_top_k_has_confidences_and_the_words_behind_them(tiny_model):
    top = tiny_model.top("县医院看病排队太久，医生态度也不好", k=3)
    assert [s.label for s in top][0] == "卫生计生"
    assert len(top) == 3
    assert top[0].confidence > top[1].confidence >= top[2].confidence
    assert sum(s.confidence for s in top) == pytest.approx(1.0, abs=1e-6)  # three labels: all of them
    assert {"医院", "医生", "看病"} & set(top[0].words)


def test_a_stored_model_predicts_the_same_after_loading(tiny_model):
    loaded = TextClassifier.loads(tiny_model.dumps())
    assert loaded.top(SIMPLIFIED) == tiny_model.top(SIMPLIFIED)


def test_a_damaged_model_is_refused_with_a_clear_error():
    with pytest.raises(ModelError):
        TextClassifier.loads(b"not a model")


def test_cross_validated_metrics_are_reported():
    from dispatch.tests.conftest import fixture_texts_labels

    texts, labels = fixture_texts_labels()
    _model, metrics = train(texts, labels, folds=3)
    assert metrics["cv_folds"] == 3 and metrics["n_samples"] == 30
    assert set(metrics["per_class"]) == {"城乡建设", "卫生计生", "劳动和社会保障"}
    assert 0 <= metrics["macro_f1"] <= 1 and "precision" in metrics["per_class"]["卫生计生"]
    assert metrics["macro_f1"] > 0.6  # the fixture's categories are easy to tell apart


def test_training_needs_two_labels():
    with pytest.raises(ValueError):
        train(["路灯坏了", "道路积水"], ["城乡建设", "城乡建设"])


def test_cross_validation_keeps_copies_in_one_fold_however_short():
    """A message sent many times must not be in both the training and the test part of a fold, or the
    cross-validated figures reward memorising it."""
    from dispatch.classifier import duplicate_groups

    docs = ["路灯 不亮", "路灯 不亮", "暖气 不热", "小区 门口 路灯 坏 一周 晚上 出行 不安全",
            "小区 门口 路灯 坏 一周 晚上 出行 不安全 请 尽快"]
    groups = duplicate_groups(docs)
    assert groups[0] == groups[1] and groups[2] != groups[0]
    assert groups[3] == groups[4]  # the same opening: a resubmission with a word added


def test_the_fast_transform_equals_the_vectorizers(tiny_model):
    """Prediction computes TF-IDF rows itself (FastFeatures); they must be the vectorizer's own."""
    import numpy as np

    from dispatch.classifier import prepare
    from dispatch.tests.conftest import fixture_texts_labels

    texts, _labels = fixture_texts_labels()
    docs = [prepare(t) for t in texts] + ["", "从未 见过 的 词语", prepare("路燈壞了，路灯坏了 路灯")]
    for _twice in range(2):  # the second time from the per-word cache
        fast = tiny_model.transform(docs)
        slow = tiny_model.features.transform(tiny_model._lead(docs))
        assert fast.shape == slow.shape and fast.dtype == slow.dtype
        assert np.allclose(fast.toarray(), slow.toarray(), atol=1e-6)
    assert fast[len(texts)].nnz == 0  # an empty message has no features, and no division by zero


def test_the_opening_words_count_twice_and_older_models_keep_their_features(tiny_model):
    import pickle
    import zlib

    from dispatch.classifier import TextClassifier

    assert tiny_model.params.lead_words == 12
    assert tiny_model._lead(["a b c", ""]) == [" ".join(["a", "b", "c"] * 2), ""]
    words = [f"w{i}" for i in range(20)]
    assert tiny_model._lead([" ".join(words)])[0].split() == words[:12] + words
    # A model stored before lead words existed is read as it was trained: without them.
    state = pickle.loads(zlib.decompress(tiny_model.dumps()))
    del state["params"]["lead_words"]
    older = TextClassifier.loads(zlib.compress(pickle.dumps(state)))
    assert older.params.lead_words == 0 and older._lead(["a b"]) == ["a b"]
