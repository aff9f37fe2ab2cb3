//! The commander's gate board.
