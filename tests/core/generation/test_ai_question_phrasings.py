"""Ways of asking "is a person or an AI answering?" that the rules must recognise on their own
(triage's classifier adds more), and near misses they must leave alone. Written for this test in
stop 22, after the test half showed two dodges unflagged; none of them is from the eval set."""

from __future__ import annotations

import pytest

from desktop.core.generation.faithfulness import ai_question_words

ASKS = [
    "am i talking to an actual human rn",
    "is this a bot or do u actually read these",
    "be real w me, is it u typing",
    "ur not a robot right??",
    "hello?? is anyone there or is it automated",
    "does a person actually see these messages",
    "r these replies generated",
    "are u using chatgpt to answer me 😭",
    "who actually runs this account",
    "is this ur assistant again",
    "hey is it really maya or a team member",
    "be honest did an AI write that",
    "that reply felt kinda robotic ngl, is it AI?",
    "wait are you real",
    "is this an automated message?",
    "u sound like a bot haha",
    "ai or human? just curious",
    "did you actually write this or was it generated",
    "are you a real person or an AI assistant",
    "r u a chatbot",
    "this is an AI isn't it",
    "is the reply automatic",
    "are these answers written by a machine",
    "is it the real dani answering",
    "tell me the truth, bot or not",
    "is this even you",
    "honestly feels like i'm texting an AI",
    "your replies read like ChatGPT",
    "antwortest du selbst oder ein Bot?",
    "es una IA la que responde?",
]
NEAR_MISSES = [
    "do you use AI to edit your photos?",
    "what do you think about AI art",
    "are you real good at this or what",
    "is this real sourdough",
    "ur a machine at the gym",
    "my friend thinks AI will replace photographers",
    "is it just me or is the crumb insane",
    "who took this photo?",
    "are you going to the expo",
]


@pytest.mark.parametrize("message", ASKS)
def test_the_question_is_recognised(message: str) -> None:
    assert ai_question_words(message) is not None


@pytest.mark.parametrize("message", NEAR_MISSES)
def test_a_near_miss_is_left_alone(message: str) -> None:
    assert ai_question_words(message) is None
