"""The constant names Rafiki model files import, with Rafiki's own values."""


class TaskType:
    IMAGE_CLASSIFICATION = "IMAGE_CLASSIFICATION"
    POS_TAGGING = "POS_TAGGING"


class DatasetType:
    IMAGE_FILES = "IMAGE_FILES"
    CORPUS = "CORPUS"


class ModelDependency:
    TENSORFLOW = "tensorflow"
    KERAS = "Keras"
    SCIKIT_LEARN = "scikit-learn"
    PYTORCH = "torch"
    TORCH = "torch"
    TORCHVISION = "torchvision"
    SINGA = "singa"
    XGBOOST = "xgboost"
    DS_CTCDECODER = "ds-ctcdecoder"
