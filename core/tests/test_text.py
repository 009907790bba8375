from core.text import ID_MASK, PHONE_MASK, normalize, to_simplified, tokens

TRADITIONAL = "我們社區的路燈壞了三個星期，晚上經過很危險，請儘快維修。"
SIMPLIFIED = "我们社区的路灯坏了三个星期，晚上经过很危险，请尽快维修。"


def test_traditional_and_simplified_forms_normalise_to_the_same_text():
    assert normalize(TRADITIONAL) == normalize(SIMPLIFIED)
    assert tokens(TRADITIONAL) == tokens(SIMPLIFIED)


def test_taiwan_vocabulary_becomes_mainland_vocabulary():
    assert "出租车" in normalize("社區門口的計程車亂停")


def test_simplified_text_is_left_as_written():
    assert to_simplified(SIMPLIFIED) == SIMPLIFIED


def test_full_width_forms_fold_to_half_width_and_latin_is_lower_cased():
    assert normalize("ＡＢＣ小区１２３号楼！") == "abc小区123号楼!"


def test_whitespace_and_excel_escapes_collapse():
    assert normalize("  小区\n\t\t门口_x000D_\n 积水\u3000严重 ") == "小区 门口 积水 严重"


def test_phone_and_id_numbers_are_masked():
    text = normalize("联系电话13812345678或0354-3012345，身份证14070219900101123X，手机号138****5678")
    assert "13812345678" not in text and "3012345" not in text and "5678" not in text
    assert "14070219900101123" not in text
    assert text.count(PHONE_MASK) == 3 and text.count(ID_MASK) == 1


def test_full_width_phone_numbers_are_masked_too():
    assert normalize("電話：１３８－１２３４－５６７８") == f"电话: {PHONE_MASK}"


def test_masking_can_be_switched_off_for_display_forms():
    assert "13812345678" in normalize("电话13812345678", mask=False)


def test_ordinary_numbers_are_not_mistaken_for_phone_numbers():
    assert PHONE_MASK not in normalize("2019年共有120户居民")


def test_tokens_drop_punctuation_numbers_and_stop_words():
    words = tokens(SIMPLIFIED)
    assert "路灯" in words and "维修" in words
    assert not {"的", "了", "，", "。", "请", "我们"} & set(words)


def test_pre_segmented_text_keeps_its_words():
    assert tokens("小区 路灯 损坏 严重") == ["小区", "路灯", "损坏", "严重"]


def test_empty_input():
    assert normalize(None) == "" and normalize("   ") == ""
    assert tokens("") == [] and tokens("，。！") == []


def test_clean_input_keeps_what_a_person_types_and_drops_control_characters():
    from core.text import clean_input

    assert clean_input("a\u0001b\x00c\x7f\x85d") == "abcd"
    assert clean_input("第一行\r\n第二行\r第三行\t完") == "第一行\n第二行\n第三行\t完"
    assert clean_input("坏\ud800字") == "坏字"  # a lone surrogate, as a broken client may send
    assert clean_input(None) == "" and clean_input("暖氣不熱 ☺") == "暖氣不熱 ☺"
