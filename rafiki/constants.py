"""The constant names Rafiki model files and scripts import, with Rafiki's own values.

The enums are those of Rafiki v0.0.9's ``rafiki/constants.py``, value for value, so a script
written against Rafiki (a trial's status, a budget dict, an advisor type) runs unchanged. The
workbench itself uses ``TaskType``, ``DatasetType`` and ``ModelDependency``; the rest are
Rafiki's vocabulary for scripts (the store keeps its own trial states).
"""


class BudgetType:
    MODEL_TRIAL_COUNT = "MODEL_TRIAL_COUNT"
    GPU_COUNT = "GPU_COUNT"


class ModelDependency:
    TENSORFLOW = "tensorflow"
    KERAS = "Keras"
    SCIKIT_LEARN = "scikit-learn"
    PYTORCH = "torch"
    SINGA = "singa"
    XGBOOST = "xgboost"
    # names later Rafiki releases added; model files written for them import these too
    TORCH = "torch"
    TORCHVISION = "torchvision"
    DS_CTCDECODER = "ds-ctcdecoder"


class ModelAccessRight:
    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


class InferenceJobStatus:
    STARTED = "STARTED"
    RUNNING = "RUNNING"
    ERRORED = "ERRORED"
    STOPPED = "STOPPED"


class TrainJobStatus:
    STARTED = "STARTED"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    ERRORED = "ERRORED"


class TrialStatus:
    STARTED = "STARTED"
    RUNNING = "RUNNING"
    ERRORED = "ERRORED"
    TERMINATED = "TERMINATED"
    COMPLETED = "COMPLETED"


class ServiceStatus:
    STARTED = "STARTED"
    DEPLOYING = "DEPLOYING"
    RUNNING = "RUNNING"
    ERRORED = "ERRORED"
    STOPPED = "STOPPED"


class ServiceType:
    TRAIN = "TRAIN"
    PREDICT = "PREDICT"
    INFERENCE = "INFERENCE"


class UserType:
    SUPERADMIN = "SUPERADMIN"
    ADMIN = "ADMIN"
    MODEL_DEVELOPER = "MODEL_DEVELOPER"
    APP_DEVELOPER = "APP_DEVELOPER"


class AdvisorType:
    BTB_GP = "BTB_GP"


class DatasetType:
    IMAGE_FILES = "IMAGE_FILES"
    CORPUS = "CORPUS"


class TaskType:
    IMAGE_CLASSIFICATION = "IMAGE_CLASSIFICATION"
    POS_TAGGING = "POS_TAGGING"
    # Rafiki v0.0.9 named these too; the workbench has no dataset format or checks for them
    TABULAR_REGRESSION = "TABULAR_REGRESSION"
    TABULAR_CLASSIFICATION = "TABULAR_CLASSIFICATION"
